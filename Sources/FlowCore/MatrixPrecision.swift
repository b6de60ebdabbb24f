import CBFloat16

/// The arithmetic of large matrix products. A property of a model or of a call (it travels in
/// a `ForwardContext` down to `sgemm`), never a process-wide setting.
public enum MatrixPrecision: String, Sendable, CaseIterable {
    /// Float32 in OpenBLAS: the default, and what inference and the reference tests use.
    case float32
    /// Mixed precision, as PyTorch's bf16 autocast: the operands are rounded to bfloat16 and
    /// multiplied with AVX-512 BF16 dot products that accumulate in float32 (FlowStudio's own
    /// kernel, `CBFloat16`: Debian's OpenBLAS has no bfloat16 GEMM). For training. Products of
    /// fewer than `bfloat16MinimumWork` multiply-adds (such as per-head attention) stay in float32.
    case bfloat16

    /// Whether this CPU runs bfloat16 products (AVX512_BF16 and an OS that saves AVX-512 state).
    public static let bfloat16Available = fs_bf16_gemm_available() != 0

    /// Throws when this machine cannot run the precision (bfloat16 on a CPU without AVX512_BF16).
    public func checkAvailable() throws(MatrixPrecisionError) {
        if self == .bfloat16 && !Self.bfloat16Available { throw .bfloat16Unavailable }
    }

    /// m·n·k below which products stay in float32 under `.bfloat16`.
    public static let bfloat16MinimumWork = 1_000_000.0
}

/// A precision this machine cannot run.
public enum MatrixPrecisionError: Error, CustomStringConvertible {
    case bfloat16Unavailable

    public var description: String { "\(reason). Use float32." }

    /// Why, without the advice (for `PrecisionChoice.fallbackNote`).
    public var reason: String {
        "bfloat16 matrix products need a CPU with AVX512_BF16 (Intel Cooper Lake / Sapphire Rapids, AMD Zen 4 or later); this one has none"
    }
}

/// One mixed-precision product on the calling thread (same arguments as `sgemmSerial`).
func bfloat16GEMMSerial(
    m: Int, n: Int, k: Int,
    a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
    b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    alpha: Float, beta: Float
) {
    // op(A)(i, p) = a[i·ars + p·acs]; op(B)(p, j) = b[p·brs + j·bcs].
    let (ars, acs) = transposeA ? (1, lda) : (lda, 1)
    let (brs, bcs) = transposeB ? (1, ldb) : (ldb, 1)
    fs_bf16_gemm(m, n, k, alpha, a, ars, acs, b, brs, bcs, beta, c, ldc)
}
