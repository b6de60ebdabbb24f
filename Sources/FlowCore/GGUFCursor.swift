/// A read position in a GGUF file's bytes whose every read is bounds-checked: the header
/// parser's only way to look at the file. Each failure is a `GGUFError` naming the field.
struct GGUFCursor {
    let bytes: UnsafeRawBufferPointer
    let path: String
    var offset = 0

    /// Bytes left after `offset`.
    var remaining: Int { bytes.count - offset }

    private func truncated(_ what: String, need: UInt64) -> GGUFError {
        GGUFError(.truncated(what: what, offset: offset, need: need, fileSize: bytes.count), path: path)
    }

    /// A little-endian integer (`what` names the field for the message).
    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw truncated(what(), need: UInt64(size)) }
        let value = T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += size
        return value
    }

    /// A uint64 count of entries that each take at least `minimumEntryByteCount` bytes, checked
    /// against the bytes left, so no hostile count reaches an allocation.
    mutating func count(_ what: String, minimumEntryByteCount: Int) throws -> Int {
        let count = try read(UInt64.self, what)
        let limit = remaining / minimumEntryByteCount
        guard count <= UInt64(limit) else {
            throw GGUFError(.countTooLarge(what: what, count: count, limit: limit), path: path)
        }
        return Int(count)
    }

    /// The bytes of a string (uint64 length, then the bytes), the length checked against the bytes left.
    mutating func stringBytes(_ what: @autoclosure () -> String) throws -> UnsafeRawBufferPointer {
        let length = try read(UInt64.self, what())
        guard length <= UInt64(remaining) else { throw truncated(what(), need: length) }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + Int(length)])
        offset += Int(length)
        return slice
    }

    /// A metadata key or tensor name: UTF-8 of at most `GGUFHeader.maximumNameByteCount` bytes.
    mutating func name(_ what: String) throws -> String {
        let start = offset
        let raw = try stringBytes(what)
        guard raw.count <= GGUFHeader.maximumNameByteCount else {
            throw GGUFError(.invalidName(what: "the \(what) at byte \(start)",
                                         reason: "is \(raw.count) bytes long (at most \(GGUFHeader.maximumNameByteCount))"),
                            path: path)
        }
        guard let name = String(validating: raw, as: UTF8.self) else {
            throw GGUFError(.invalidName(what: "the \(what) at byte \(start)", reason: "is not UTF-8"), path: path)
        }
        return name
    }

    /// One metadata value of `type`. Arrays at `depth` 0 of at most
    /// `GGUFHeader.maximumDecodedArrayCount` elements are decoded; others are walked over.
    mutating func value(_ type: GGUFValueType, key: String, depth: Int) throws -> GGUFMetadataValue {
        let what = "value of metadata \"\(key)\""
        switch type {
        case .uint8: return .uint8(try read(UInt8.self, what))
        case .int8: return .int8(try read(Int8.self, what))
        case .uint16: return .uint16(try read(UInt16.self, what))
        case .int16: return .int16(try read(Int16.self, what))
        case .uint32: return .uint32(try read(UInt32.self, what))
        case .int32: return .int32(try read(Int32.self, what))
        case .uint64: return .uint64(try read(UInt64.self, what))
        case .int64: return .int64(try read(Int64.self, what))
        case .float32: return .float32(Float(bitPattern: try read(UInt32.self, what)))
        case .float64: return .float64(Double(bitPattern: try read(UInt64.self, what)))
        case .bool: return .bool(try read(UInt8.self, what) != 0)
        case .string: return .string(String(decoding: try stringBytes(what), as: UTF8.self))
        case .array:
            guard depth < GGUFHeader.maximumArrayDepth else { throw GGUFError(.arrayTooDeep(key: key), path: path) }
            let typeNumber = try read(UInt32.self, "element type of metadata \"\(key)\"")
            guard let elementType = GGUFValueType(rawValue: typeNumber) else {
                throw GGUFError(.unknownValueType(key: key, type: typeNumber), path: path)
            }
            let count = try self.count("array length of metadata \"\(key)\"", minimumEntryByteCount: elementType.minimumByteCount)
            if depth == 0 && count <= GGUFHeader.maximumDecodedArrayCount {
                var elements: [GGUFMetadataValue] = []
                elements.reserveCapacity(count)
                for _ in 0..<count { elements.append(try value(elementType, key: key, depth: depth + 1)) }
                return .array(elementType: elementType, count: count, elements: elements)
            }
            switch elementType {
            case .string, .array:
                for _ in 0..<count { try skip(elementType, key: key, depth: depth + 1) }
            default:
                offset += count * elementType.minimumByteCount  // checked by `count` above
            }
            return .array(elementType: elementType, count: count, elements: nil)
        }
    }

    /// Walks over one value without keeping it.
    private mutating func skip(_ type: GGUFValueType, key: String, depth: Int) throws {
        switch type {
        case .string: _ = try stringBytes("value of metadata \"\(key)\"")
        case .array: _ = try value(.array, key: key, depth: depth)
        default: _ = try value(type, key: key, depth: depth)
        }
    }
}
