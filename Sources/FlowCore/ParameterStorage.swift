/// How one tensor of a `ParameterStore` is kept. Layers never look at it: they ask the store for
/// a product (`Linear.forward`) or for float32 values, so a new kind (quantized blocks) is a new
/// case here and a new branch in the store's readers, not a change in the layers.
public enum ParameterStorage: Sendable, Equatable {
    /// Float32 in the store's contiguous master buffer (training needs it; every tensor that is
    /// not a matrix read through `Linear.forward`).
    case float32
    /// bfloat16 bit patterns in the store's 16-bit buffer: a matrix kept as its file stores it.
    case bfloat16
    /// IEEE half-precision bit patterns in the store's 16-bit buffer.
    case float16

    /// Bytes per element as held.
    public var byteCount: Int { self == .float32 ? 4 : 2 }

    /// True for the two 16-bit kinds.
    public var isHalf: Bool { self != .float32 }

    /// The 16-bit kind of a safetensors dtype: BF16 and F16 as they are; the float8 types widen
    /// exactly to bfloat16 (3 or 2 mantissa bits and an exponent range bfloat16 covers); nil for F32.
    public init?(halfOf dtype: SafeTensorsDType) {
        switch dtype {
        case .bf16, .f8E4M3, .f8E5M2: self = .bfloat16
        case .f16: self = .float16
        case .f32: return nil
        }
    }
}

/// Which tensors of a `ParameterStore` may be held in 16 bits. Only matrices declared with
/// `declareMatrix` (the weights of `Linear`, read only through `Linear.forward`) can be; every
/// other tensor (biases, norms, embedding tables, positional tables, convolution kernels) is
/// float32 whatever the policy.
public enum MatrixStorage: Sendable, Equatable {
    /// Every tensor float32: training, the demo model, and the default.
    case float32
    /// Matrices keep their file's 16-bit dtype (BF16, F16; F8 widened exactly to BF16) when the
    /// provider can hand out the bits (`TensorProvider.halfStorage`); F32 matrices stay float32,
    /// and so do tensors made by `fill`. For inference on real checkpoints.
    case asStored
    /// Every matrix held in this 16-bit kind (`.bfloat16` or `.float16`): values from `fill` or
    /// from a file of another dtype are rounded to nearest even. For benchmarks and tests.
    case rounded(ParameterStorage)
}
