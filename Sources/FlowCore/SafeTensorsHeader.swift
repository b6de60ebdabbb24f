import Foundation

/// The parsed and validated JSON header of a safetensors file:
/// `{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, …, "__metadata__": {"k": "v"}}`.
/// Offsets are relative to the start of the data buffer that follows the header.
struct SafeTensorsHeader {
    /// Where one tensor's bytes are and how to read them.
    struct Entry {
        var dtype: SafeTensorsDType
        var shape: [Int]
        /// Byte range in the data buffer.
        var begin: Int
        var end: Int
        /// The product of `shape` (1 for a scalar, shape `[]`).
        var elementCount: Int
    }

    var entries: [String: Entry]
    var metadata: [String: String]

    /// The header key that holds string metadata rather than a tensor.
    static let metadataKey = "__metadata__"

    /// Parses `json` and checks every entry against a data buffer of `dataByteCount` bytes.
    /// Gaps between tensors and overlapping ranges are allowed; ranges outside the buffer are not.
    init(json: Data, dataByteCount: Int, url: URL) throws {
        func fail(_ kind: SafeTensorsError.Kind) -> SafeTensorsError { SafeTensorsError(kind, url: url) }

        let root: JSONValue
        do {
            root = try JSONDecoder().decode(JSONValue.self, from: json)
        } catch let error as DecodingError {
            throw fail(.headerNotJSON(reason: Self.summary(of: error)))
        } catch {
            throw fail(.headerNotJSON(reason: "\(error)"))
        }
        guard case .object(let object) = root else { throw fail(.headerNotObject) }

        var metadata: [String: String] = [:]
        var entries: [String: Entry] = [:]
        for (name, value) in object {
            if name == Self.metadataKey {
                guard case .object(let pairs) = value else {
                    throw fail(.invalidMetadata(reason: "is \(value.kindName), not an object"))
                }
                for (key, item) in pairs {
                    guard case .string(let text) = item else {
                        throw fail(.invalidMetadata(reason: "has key \"\(key)\" whose value is \(item.kindName)"))
                    }
                    metadata[key] = text
                }
                continue
            }
            entries[name] = try Self.entry(name: name, value: value, dataByteCount: dataByteCount, fail: fail)
        }
        self.entries = entries
        self.metadata = metadata
    }

    private static func entry(name: String, value: JSONValue, dataByteCount: Int,
                              fail: (SafeTensorsError.Kind) -> SafeTensorsError) throws -> Entry {
        func malformed(_ reason: String) -> SafeTensorsError { fail(.malformedEntry(name: name, reason: reason)) }

        guard case .object(let fields) = value else { throw malformed("the entry is \(value.kindName), not an object") }
        guard let dtypeValue = fields["dtype"] else { throw malformed("\"dtype\" is missing") }
        guard case .string(let dtypeName) = dtypeValue else {
            throw malformed("\"dtype\" is \(dtypeValue.kindName), not a string")
        }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            throw fail(.unsupportedDType(name: name, dtype: dtypeName))
        }
        guard let shapeValue = fields["shape"] else { throw malformed("\"shape\" is missing") }
        guard let shape = shapeValue.nonNegativeIntegers else {
            throw malformed("\"shape\" must be an array of non-negative integers, got \(shapeValue.kindName)")
        }
        guard let offsetsValue = fields["data_offsets"] else { throw malformed("\"data_offsets\" is missing") }
        guard let offsets = offsetsValue.nonNegativeIntegers, offsets.count == 2 else {
            throw malformed("\"data_offsets\" must be two non-negative integers [begin, end]")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin <= end, end <= dataByteCount else {
            throw fail(.offsetsOutOfRange(name: name, begin: begin, end: end, dataByteCount: dataByteCount))
        }
        // Element count and byte count, refusing shapes whose product overflows.
        var elementCount = 1
        var overflow = false
        for dimension in shape where !overflow {
            (elementCount, overflow) = elementCount.multipliedReportingOverflow(by: dimension)
        }
        let (expected, byteOverflow) = elementCount.multipliedReportingOverflow(by: dtype.byteCount)
        guard !overflow, !byteOverflow, expected == end - begin else {
            throw fail(.byteCountMismatch(name: name, shape: shape, dtype: dtype,
                                          expected: overflow || byteOverflow ? Int.max : expected,
                                          actual: end - begin))
        }
        return Entry(dtype: dtype, shape: shape, begin: begin, end: end, elementCount: elementCount)
    }

    private static func summary(of error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context), .typeMismatch(_, let context),
             .valueNotFound(_, let context), .keyNotFound(_, let context):
            if let underlying = context.underlyingError {
                return "\(underlying.localizedDescription)"
            }
            return context.debugDescription
        @unknown default:
            return "\(error)"
        }
    }
}

/// Any JSON value, decoded without a schema.
enum JSONValue: Decodable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([String: JSONValue].self) {
            self = .object(value)
        } else {
            self = .array(try container.decode([JSONValue].self))
        }
    }

    /// The elements of an array of non-negative integers, or nil for anything else.
    var nonNegativeIntegers: [Int]? {
        guard case .array(let items) = self else { return nil }
        var result: [Int] = []
        result.reserveCapacity(items.count)
        for item in items {
            guard case .integer(let value) = item, value >= 0 else { return nil }
            result.append(value)
        }
        return result
    }

    /// "a string", "an array", … for error messages.
    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer, .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
