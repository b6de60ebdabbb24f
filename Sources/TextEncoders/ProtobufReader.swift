/// A reader of the protobuf wire format, for the few fields FlowStudio needs from SentencePiece's
/// `ModelProto` (no generated code). Every length is checked against the bytes left, so a
/// truncated or hostile file ends in `nil`/an error, never a crash or a hang.
struct ProtobufReader {
    /// One field of a message: its number and its payload.
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        case bytes(ArraySlice<UInt8>)
    }

    struct Malformed: Error { let reason: String }

    private let bytes: ArraySlice<UInt8>
    private var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.position = bytes.startIndex
    }

    var isAtEnd: Bool { position >= bytes.endIndex }

    /// The next field, or `nil` at the end of the message.
    mutating func next() throws -> (number: Int, value: Value)? {
        guard !isAtEnd else { return nil }
        let key = try varint()
        let number = Int(key >> 3)
        guard number > 0, number < (1 << 29) else { throw Malformed(reason: "field number \(number) out of range") }
        switch key & 7 {
        case 0: return (number, .varint(try varint()))
        case 1:
            let raw = try take(8)
            var v: UInt64 = 0
            for (i, b) in raw.enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
            return (number, .fixed64(v))
        case 2:
            let length = try varint()
            guard length <= UInt64(bytes.endIndex - position) else {
                throw Malformed(reason: "field \(number) claims \(length) bytes, \(bytes.endIndex - position) left")
            }
            return (number, .bytes(try take(Int(length))))
        case 5:
            let raw = try take(4)
            var v: UInt32 = 0
            for (i, b) in raw.enumerated() { v |= UInt32(b) << (8 * UInt32(i)) }
            return (number, .fixed32(v))
        case let type:
            throw Malformed(reason: "field \(number) has wire type \(type) (groups and unknown types are not read)")
        }
    }

    private mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        for shift in stride(from: 0 as UInt64, to: 70, by: 7) {
            guard position < bytes.endIndex else { throw Malformed(reason: "the data ends inside a number") }
            let b = bytes[position]
            position += 1
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
        }
        throw Malformed(reason: "a number is longer than 10 bytes")
    }

    private mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count <= bytes.endIndex - position else { throw Malformed(reason: "the data ends inside a field") }
        defer { position += count }
        return bytes[position..<position + count]
    }
}
