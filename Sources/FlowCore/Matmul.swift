import CBLAS

/// Row-major single-precision GEMM on raw buffers:
/// `C[M,N] = alpha · op(A) · op(B) + beta · C`, where `op(A)` is `A[M,K]`, or `A[K,M]ᵀ` when
/// `transposeA` is set, and `op(B)` is `B[K,N]`, or `B[N,K]ᵀ` when `transposeB` is set. Leading dimensions allow operating on column blocks of wider buffers.
///
/// OpenBLAS runs single-threaded (see `Parallel`); large products are split into column
/// (or row) blocks computed on `Parallel.threadCount` threads, so one thread pool serves
/// both BLAS and FlowCore's own loops and no BLAS thread spins while the others work.
/// With `precision` `.bfloat16` (the caller's choice; float32 by default), products of at least
/// `MatrixPrecision.bfloat16MinimumWork` multiply-adds run in mixed precision instead.
public func sgemm(
    m: Int, n: Int, k: Int,
    a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
    b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    alpha: Float = 1, beta: Float = 0,
    precision: MatrixPrecision = .float32
) {
    guard m > 0, n > 0 else { return }
    let inside = Parallel.isInsideParallelRegion
    let threads = inside ? 1 : Parallel.threadCount
    let work = Double(m) * Double(n) * Double(k)
    let mixed = precision == .bfloat16 && work >= MatrixPrecision.bfloat16MinimumWork
    let serial = mixed ? bfloat16GEMMSerial : sgemmSerial
    var parts = work < 2e6 ? 1 : threads
    // OpenBLAS runs products with few rows about twice as fast in column blocks of at most
    // `smallRowsBlock` (measured on this machine: 64×768×256 at 48 GFLOP/s in one call,
    // 92–96 in blocks of ≤ 384 columns; with many rows blocking costs ~2%).
    if !mixed && m < 256 && n > smallRowsBlock { parts = max(parts, (n + smallRowsBlock - 1) / smallRowsBlock) }
    if parts <= 1 {
        serial(m, n, k, a, lda, transposeA, b, ldb, transposeB, c, ldc, alpha, beta)
        return
    }
    nonisolated(unsafe) let (a, b, c) = (a, b, c)
    let byColumns = n >= m || m < 4 * parts
    let per = byColumns ? ((n + parts - 1) / parts + 15) / 16 * 16 : (m + parts - 1) / parts
    let blocks = ((byColumns ? n : m) + per - 1) / per
    let block = { (part: Int) in
        if byColumns {
            let j0 = part * per, cols = min(per, n - j0)
            let bPart = transposeB ? b + j0 * ldb : b + j0
            serial(m, cols, k, a, lda, transposeA, bPart, ldb, transposeB, c + j0, ldc, alpha, beta)
        } else {
            let i0 = part * per, rows = min(per, m - i0)
            let aPart = transposeA ? a + i0 : a + i0 * lda
            serial(rows, n, k, aPart, lda, transposeA, b, ldb, transposeB, c + i0 * ldc, ldc, alpha, beta)
        }
    }
    if inside {
        for part in 0..<blocks { block(part) }
    } else {
        Parallel.forEach(blocks, block)
    }
}

/// The widest column block for products with few rows (see `sgemm`).
let smallRowsBlock = 384

/// One `cblas_sgemm` call on the calling thread.
@inlinable
public func sgemmSerial(
    m: Int, n: Int, k: Int,
    a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
    b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    alpha: Float = 1, beta: Float = 0
) {
    Parallel.configureBLASOnce
    cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Matrix product of `a` [M, K] and `b` [K, N] (or `b` [N, K] with `transposeB`) → [M, N].
public func matmul(_ a: Tensor, _ b: Tensor, transposeB: Bool = false) -> Tensor {
    precondition(a.rank == 2 && b.rank == 2, "matmul needs 2-D tensors, got \(a.shape) and \(b.shape)")
    let (m, k) = (a.shape[0], a.shape[1])
    let n = transposeB ? b.shape[0] : b.shape[1]
    precondition((transposeB ? b.shape[1] : b.shape[0]) == k, "matmul shapes \(a.shape) × \(b.shape)")
    return Tensor(shape: [m, n]) { out in
        a.scalars.withUnsafeBufferPointer { pa in
            b.scalars.withUnsafeBufferPointer { pb in
                sgemm(m: m, n: n, k: k, a: pa.baseAddress!, lda: k,
                      b: pb.baseAddress!, ldb: transposeB ? k : n, transposeB: transposeB,
                      c: out.baseAddress!, ldc: n)
            }
        }
    }
}

/// The plain triple loop: the oracle for `matmul` in tests.
public func naiveMatmul(_ a: Tensor, _ b: Tensor, transposeB: Bool = false) -> Tensor {
    let (m, k) = (a.shape[0], a.shape[1])
    let n = transposeB ? b.shape[0] : b.shape[1]
    var out = Tensor(zeros: [m, n])
    for i in 0..<m {
        for j in 0..<n {
            var sum: Double = 0
            for p in 0..<k {
                let bv = transposeB ? b.scalars[j * k + p] : b.scalars[p * n + j]
                sum += Double(a.scalars[i * k + p]) * Double(bv)
            }
            out.scalars[i * n + j] = Float(sum)
        }
    }
    return out
}
