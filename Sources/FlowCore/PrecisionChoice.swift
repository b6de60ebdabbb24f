/// The arithmetic a user asks for (`--precision auto|float32|bfloat16`), resolved against the
/// CPU and the weights into a `MatrixPrecision`. Weights are held as their file stores them
/// either way (`MatrixStorage.asStored`); this only picks how the products are computed.
public enum PrecisionChoice: String, Sendable, CaseIterable {
    /// bfloat16 products where the CPU has AVX512_BF16 and the weights are held in 16 bits (the
    /// model's file is BF16 / F16), else float32 products (over the 16-bit weights, widened a
    /// block at a time, when they are held so).
    case auto
    /// float32 products (OpenBLAS): the reference.
    case float32
    /// bfloat16 products (operands rounded to bfloat16, float32 accumulation, as PyTorch's bf16
    /// autocast). On a CPU without AVX512_BF16 this falls back to float32, and `fallbackNote` says so.
    case bfloat16

    /// The choice that asks for exactly `precision`.
    public init(_ precision: MatrixPrecision) {
        self = precision == .bfloat16 ? .bfloat16 : .float32
    }

    /// The arithmetic for weights that are (`halfWeights`) or are not held in 16 bits, on a CPU
    /// that does or does not run bfloat16 products.
    public func resolved(halfWeights: Bool, bfloat16Available: Bool = MatrixPrecision.bfloat16Available) -> MatrixPrecision {
        switch self {
        case .float32: .float32
        case .bfloat16: bfloat16Available ? .bfloat16 : .float32
        case .auto: bfloat16Available && halfWeights ? .bfloat16 : .float32
        }
    }

    /// What to tell the user when the request cannot be met on this CPU (bfloat16 forced
    /// without AVX512_BF16), or nil.
    public func fallbackNote(bfloat16Available: Bool = MatrixPrecision.bfloat16Available) -> String? {
        guard self == .bfloat16, !bfloat16Available else { return nil }
        return "--precision bfloat16: \(MatrixPrecisionError.bfloat16Unavailable.reason); the products run in float32 instead (half-precision weights stay as the file stores them)"
    }
}
