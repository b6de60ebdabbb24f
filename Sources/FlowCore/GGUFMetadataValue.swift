/// One value of a GGUF file's metadata (`general.architecture`, `general.alignment`, …).
///
/// Arrays keep their element type and length; their elements are decoded only for a top-level
/// array of at most `GGUFHeader.maximumDecodedArrayCount` elements (shapes, small lists), so a
/// language model's 150 000-entry vocabulary costs nothing to skip.
public indirect enum GGUFMetadataValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool), string(String)
    /// An array: its element type, its length and (when decoded) its elements.
    case array(elementType: GGUFValueType, count: Int, elements: [GGUFMetadataValue]?)

    /// The value as an integer when it is one of the integer types and fits in an `Int`.
    public var integer: Int? {
        switch self {
        case .uint8(let v): Int(v)
        case .int8(let v): Int(v)
        case .uint16(let v): Int(v)
        case .int16(let v): Int(v)
        case .uint32(let v): Int(v)
        case .int32(let v): Int(v)
        case .uint64(let v): Int(exactly: v)
        case .int64(let v): Int(exactly: v)
        default: nil
        }
    }

    /// The value when it is a string.
    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The elements as integers when this is a decoded array of integers that all fit in an `Int`.
    public var integers: [Int]? {
        guard case .array(_, _, let elements?) = self else { return nil }
        let values = elements.compactMap(\.integer)
        return values.count == elements.count ? values : nil
    }
}

/// The type numbers of GGUF metadata values (`gguf_type`).
public enum GGUFValueType: UInt32, Sendable {
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6, bool = 7
    case string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12

    /// The fewest bytes one value of this type takes in a file (a string's or array's length prefix).
    var minimumByteCount: Int {
        switch self {
        case .uint8, .int8, .bool: 1
        case .uint16, .int16: 2
        case .uint32, .int32, .float32: 4
        case .uint64, .int64, .float64, .string: 8
        case .array: 12
        }
    }
}
