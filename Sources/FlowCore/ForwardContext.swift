/// What a layer's forward and backward run with: the parameters and the arithmetic of large
/// matrix products. Passed down explicitly, so that precision is a property of a model or a
/// call, not of the process.
public struct ForwardContext: @unchecked Sendable {
    /// The model's tensors (and, when training, their gradients).
    public let store: ParameterStore
    /// The arithmetic of products of at least `MatrixPrecision.bfloat16MinimumWork` multiply-adds.
    public let precision: MatrixPrecision

    public init(store: ParameterStore, precision: MatrixPrecision = .float32) {
        self.store = store
        self.precision = precision
    }

    /// `sgemm` with this context's precision.
    @inlinable
    public func gemm(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
                     b: UnsafePointer<Float>, ldb: Int, transposeB: Bool, c: UnsafeMutablePointer<Float>, ldc: Int,
                     beta: Float = 0) {
        sgemm(m: m, n: n, k: k, a: a, lda: lda, transposeA: transposeA, b: b, ldb: ldb, transposeB: transposeB,
              c: c, ldc: ldc, beta: beta, precision: precision)
    }
}
