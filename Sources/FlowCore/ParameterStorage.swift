/// How one tensor of a `ParameterStore` is kept. Layers never look at it: they ask the store for
/// a product (`Linear.forward`) or for float32 values, so a new kind (quantized blocks) is a new
/// case here and a new branch in the store's readers, not a change in the layers.
public enum ParameterStorage: Sendable, Hashable {
    /// Float32 in the store's contiguous master buffer (training needs it; every tensor that is
    /// not a matrix read through `Linear.forward`).
    case float32
    /// bfloat16 bit patterns in the store's 16-bit buffer: a matrix kept as its file stores it.
    case bfloat16
    /// IEEE half-precision bit patterns in the store's 16-bit buffer.
    case float16
    /// ggml's quantized blocks as a GGUF file stores them (Q8_0, Q4_0, …; `GGUFBlockType`, one
    /// whose `widensRows` is true), in the store's block buffer: each row of the matrix is a whole
    /// number of blocks, widened a block of rows at a time by `blockWeightGEMM`.
    case blocks(GGUFBlockType)

    /// Bytes that `elements` values take as held (for blocks, whole blocks: `elements` must be a
    /// multiple of the block size).
    public func byteCount(elements: Int) -> Int {
        switch self {
        case .float32: elements * 4
        case .bfloat16, .float16: elements * 2
        case .blocks(let type): elements / type.blockSize * type.bytesPerBlock
        }
    }

    /// True for the two 16-bit kinds.
    public var isHalf: Bool { self == .bfloat16 || self == .float16 }

    /// The block type when held as quantized blocks.
    public var blockType: GGUFBlockType? {
        if case .blocks(let type) = self { return type }
        return nil
    }

    /// True when the tensor is not float32 (16-bit or blocks): read only through `Linear.forward`.
    public var isStoredMatrix: Bool { self != .float32 }

    /// Whether a matrix of `shape` (rows = shape[0], the rest one row) can be held this way: every
    /// kind but blocks, and blocks when a row is a whole number of them.
    public func canHold(shape: [Int]) -> Bool {
        guard case .blocks(let type) = self else { return true }
        guard let rows = shape.first, rows > 0 else { return false }
        let columns = shape.reduce(1, *) / rows
        return type.widensRows && columns > 0 && columns % type.blockSize == 0
    }

    /// A short name for status lines and parameters: "f32", "bf16", "f16", "Q8_0".
    public var shortName: String {
        switch self {
        case .float32: "f32"
        case .bfloat16: "bf16"
        case .float16: "f16"
        case .blocks(let type): type.name
        }
    }

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
    /// provider can hand out the bits (`TensorProvider.halfStorage`), and their GGUF blocks when
    /// it hands out blocks whose rows `blockWeightGEMM` can widen (`TensorProvider.blockType`,
    /// rows of whole blocks); F32 matrices stay float32,
    /// and so do tensors made by `fill`. For inference on real checkpoints.
    case asStored
    /// Every matrix held in this 16-bit kind (`.bfloat16` or `.float16`): values from `fill` or
    /// from a file of another dtype are rounded to nearest even. `.blocks(.q8_0)` or
    /// `.blocks(.q4_0)`: every matrix whose rows are whole blocks is quantized by `GGUFQuantize`
    /// (the others stay float32). For benchmarks and tests.
    case rounded(ParameterStorage)
}
