/// The element types FlowStudio reads and writes in safetensors files.
///
/// Other safetensors dtypes (F64, I8, U8, I16, I32, I64, BOOL, F8_E4M3, …) are rejected
/// with a `SafeTensorsError` that names the tensor and the dtype.
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    /// IEEE 754 single precision, 4 bytes.
    case f32 = "F32"
    /// IEEE 754 half precision, 2 bytes.
    case f16 = "F16"
    /// bfloat16 (the top half of a Float32), 2 bytes.
    case bf16 = "BF16"

    /// The size of one element in bytes.
    public var byteCount: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        }
    }

    /// The supported dtype names, for error messages: `F32, F16, BF16`.
    static var supportedList: String {
        allCases.map(\.rawValue).joined(separator: ", ")
    }
}
