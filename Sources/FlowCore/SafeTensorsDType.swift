/// The element types FlowStudio reads and writes in safetensors files.
///
/// Every type is read as Float32 (exactly: each of these converts to Float32 without rounding).
/// The float8 types are what fp8 checkpoints such as `t5xxl_fp8_e4m3fn.safetensors` store (see
/// `Float8Conversion`). Other safetensors dtypes (F64, I8, U8, I16, I32, I64, BOOL, …) are rejected
/// with a `SafeTensorsError` that names the tensor and the dtype.
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    /// IEEE 754 single precision, 4 bytes.
    case f32 = "F32"
    /// IEEE 754 half precision, 2 bytes.
    case f16 = "F16"
    /// bfloat16 (the top half of a Float32), 2 bytes.
    case bf16 = "BF16"
    /// float8 e4m3fn (`torch.float8_e4m3fn`: no infinity, NaN = S.1111.111), 1 byte.
    case f8E4M3 = "F8_E4M3"
    /// float8 e5m2 (`torch.float8_e5m2`, IEEE-like with infinities), 1 byte.
    case f8E5M2 = "F8_E5M2"

    /// The size of one element in bytes.
    public var byteCount: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        case .f8E4M3, .f8E5M2: 1
        }
    }

    /// The supported dtype names, for error messages: `F32, F16, BF16, F8_E4M3, F8_E5M2`.
    static var supportedList: String {
        allCases.map(\.rawValue).joined(separator: ", ")
    }
}
