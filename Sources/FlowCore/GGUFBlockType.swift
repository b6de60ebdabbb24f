/// How a GGUF tensor's elements are stored: ggml's `ggml_type`, by its number in the file.
///
/// Plain types store one element per "block"; quantized types store a fixed number of
/// elements (`blockSize`, 32 or 256) in a fixed number of bytes (`bytesPerBlock`), e.g. Q8_0:
/// 32 int8 values and one float16 scale, 34 bytes. The sizes are ggml's (`GGML_QUANT_SIZES` in
/// the `gguf` Python package), so every tensor's byte count can be checked before it is read;
/// `isSupported` says which FlowStudio can turn into Float32 (`GGUFDequantize`).
public enum GGUFBlockType: UInt32, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9
    case q2_K = 10, q3_K = 11, q4_K = 12, q5_K = 13, q6_K = 14, q8_K = 15
    case iq2_XXS = 16, iq2_XS = 17, iq3_XXS = 18, iq1_S = 19, iq4_NL = 20, iq3_S = 21, iq2_S = 22, iq4_XS = 23
    case i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, iq1_M = 29, bf16 = 30
    case tq1_0 = 34, tq2_0 = 35, mxfp4 = 39

    /// ggml's name: "Q8_0", "F16", "IQ2_XXS".
    public var name: String {
        switch self {
        case .f32: "F32"
        case .f16: "F16"
        case .q4_0: "Q4_0"
        case .q4_1: "Q4_1"
        case .q5_0: "Q5_0"
        case .q5_1: "Q5_1"
        case .q8_0: "Q8_0"
        case .q8_1: "Q8_1"
        case .q2_K: "Q2_K"
        case .q3_K: "Q3_K"
        case .q4_K: "Q4_K"
        case .q5_K: "Q5_K"
        case .q6_K: "Q6_K"
        case .q8_K: "Q8_K"
        case .iq2_XXS: "IQ2_XXS"
        case .iq2_XS: "IQ2_XS"
        case .iq3_XXS: "IQ3_XXS"
        case .iq1_S: "IQ1_S"
        case .iq4_NL: "IQ4_NL"
        case .iq3_S: "IQ3_S"
        case .iq2_S: "IQ2_S"
        case .iq4_XS: "IQ4_XS"
        case .i8: "I8"
        case .i16: "I16"
        case .i32: "I32"
        case .i64: "I64"
        case .f64: "F64"
        case .iq1_M: "IQ1_M"
        case .bf16: "BF16"
        case .tq1_0: "TQ1_0"
        case .tq2_0: "TQ2_0"
        case .mxfp4: "MXFP4"
        }
    }

    public var description: String { name }

    /// Elements per block: 1 for plain types, 32 or 256 for quantized ones.
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16, .f64, .i8, .i16, .i32, .i64: 1
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1, .iq4_NL, .mxfp4: 32
        default: 256
        }
    }

    /// Bytes per block (ggml's `type_size`).
    public var bytesPerBlock: Int {
        let k = 256  // QK_K
        switch self {
        case .f32, .i32: return 4
        case .f16, .bf16, .i16: return 2
        case .f64, .i64: return 8
        case .i8: return 1
        case .q4_0, .iq4_NL: return 2 + 16
        case .q4_1: return 2 + 2 + 16
        case .q5_0: return 2 + 4 + 16
        case .q5_1: return 2 + 2 + 4 + 16
        case .q8_0: return 2 + 32
        case .q8_1: return 4 + 4 + 32
        case .q2_K: return 2 + 2 + k / 16 + k / 4
        case .q3_K: return 2 + k / 4 + k / 8 + 12
        case .q4_K: return 2 + 2 + k / 2 + 12
        case .q5_K: return 2 + 2 + k / 2 + k / 8 + 12
        case .q6_K: return 2 + k / 2 + k / 4 + k / 16
        case .q8_K: return 4 + k + k / 8
        case .iq2_XXS: return 2 + k / 4
        case .iq2_XS: return 2 + k / 4 + k / 32
        case .iq3_XXS: return 2 + k / 4 + k / 8
        case .iq1_S: return 2 + k / 8 + k / 16
        case .iq3_S: return 2 + k / 4 + k / 8 + k / 32 + 4
        case .iq2_S: return 2 + k / 4 + k / 16
        case .iq4_XS: return 2 + 2 + k / 2 + k / 64
        case .iq1_M: return k / 8 + k / 16 + k / 32
        case .tq1_0: return 2 + 4 * 13
        case .tq2_0: return 2 + 64
        case .mxfp4: return 1 + 16
        }
    }

    /// True when `GGUFDequantize` reads this type.
    public var isSupported: Bool { Self.supported.contains(self) }

    /// True for the quantized types a `ParameterStore` can hold as blocks and `blockWeightGEMM`
    /// widens a block of rows at a time (`GGUFDequantize.widen`): every supported type of more
    /// than one value per block.
    public var widensRows: Bool { blockSize > 1 && isSupported }

    /// True for the types FlowStudio can quantize into (`GGUFQuantize`): Q8_0 and Q4_0.
    public var hasQuantizer: Bool { self == .q8_0 || self == .q4_0 }

    /// The types FlowStudio reads, in the order messages list them.
    public static let supported: [GGUFBlockType] = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q4_K, .q5_K, .q6_K]

    /// "F32, F16, BF16, Q8_0, …" for messages.
    public static var supportedList: String { supported.map(\.name).joined(separator: ", ") }
}
