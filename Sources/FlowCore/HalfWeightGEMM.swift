import CBFloat16

// Legend: M rows of the activations, N output features (rows of W), K input features,
// NB rows of W widened per block.

/// `C[M, N] = A[M, K]·Wᵀ + beta·C` where the weight `W` [N, K] is held in 16 bits (`storage`
/// `.bfloat16` or `.float16`, rows contiguous): the product of `Linear.forward` over a matrix
/// kept as its file stores it.
///
/// No float32 copy of W is ever made whole: W is walked in blocks of `halfWeightBlockRows` rows,
/// each widened (exactly: a 16-bit shift for bfloat16, F16C `vcvtph2ps` for float16) into a
/// per-thread float32 scratch of NB·K values, which one single-threaded product (OpenBLAS
/// `sgemm`, or the bfloat16 kernel under `precision` `.bfloat16`) multiplies into the block's
/// columns of C. The blocks are split over `Parallel.threadCount` threads in contiguous runs,
/// one scratch per run, as `sgemm` splits its columns. The widening costs NB·K conversions per
/// M·NB·K multiply-adds: nothing for the MM-DiT's thousands of rows, and for a few rows (the
/// modulation, batch 1–2) it replaces reading twice as many bytes of float32 weights.
public func halfWeightGEMM(
    m: Int, n: Int, k: Int,
    a: UnsafePointer<Float>, lda: Int,
    w: UnsafePointer<UInt16>, storage: ParameterStorage,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    beta: Float = 0, precision: MatrixPrecision = .float32
) {
    precondition(storage.isHalf, "halfWeightGEMM needs a 16-bit weight")
    guard m > 0, n > 0 else { return }
    let inside = Parallel.isInsideParallelRegion
    let threads = inside ? 1 : Parallel.threadCount
    let work = Double(m) * Double(n) * Double(k)
    let mixed = precision == .bfloat16 && work >= MatrixPrecision.bfloat16MinimumWork
    let serial = mixed ? bfloat16GEMMSerial : sgemmSerial
    // Few rows: OpenBLAS prefers narrow column blocks (see `sgemm`); many rows: wide ones,
    // so that each packing of A serves many columns.
    let nb = min(n, m < 256 ? smallRowsBlock : halfWeightBlockRows)
    let blocks = (n + nb - 1) / nb
    let parts = work < 2e6 ? 1 : min(threads, blocks)
    let widen = storage == .bfloat16 ? fs_bf16_to_f32 : fs_f16_to_f32  // exact
    nonisolated(unsafe) let (a, w, c) = (a, w, c)
    let run = { (part: Int) in
        let first = part * blocks / parts, last = (part + 1) * blocks / parts
        guard first < last else { return }
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: nb * k)         // [NB, K]
        defer { scratch.deallocate() }
        for block in first..<last {
            let j0 = block * nb, rows = min(nb, n - j0)
            widen(w + j0 * k, scratch, rows * k)
            serial(m, rows, k, a, lda, false, scratch, k, true, c + j0, ldc, 1, beta)
        }
    }
    if parts <= 1 {
        run(0)
    } else {
        Parallel.forEach(parts, run)
    }
}

/// Rows of a 16-bit weight widened at a time when the activations have many rows (256·K floats:
/// 1.5 MB at K = 1536, within the L2 + L3 share of a core).
public let halfWeightBlockRows = 256

/// The plain-loop twin of `halfWeightGEMM` (test oracle): each weight widened by
/// `Float16Conversion`, products summed in Double.
public func naiveHalfWeightGEMM(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                                w: UnsafePointer<UInt16>, storage: ParameterStorage,
                                c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float = 0) {
    for i in 0..<m {
        for j in 0..<n {
            var sum = 0.0
            for p in 0..<k {
                let bits = w[j * k + p]
                let wv = storage == .bfloat16 ? Float16Conversion.float(bfloat16Bits: bits) : Float16Conversion.float(float16Bits: bits)
                sum += Double(a[i * lda + p]) * Double(wv)
            }
            c[i * ldc + j] = Float(sum + Double(beta) * (beta == 0 ? 0 : Double(c[i * ldc + j])))
        }
    }
}

/// Widens `count` 16-bit patterns of kind `storage` into float32 (exact): the C kernels
/// `halfWeightGEMM` uses (AVX2 / F16C where present).
public func widenHalf(_ bits: UnsafePointer<UInt16>, storage: ParameterStorage, into destination: UnsafeMutablePointer<Float>, count: Int) {
    precondition(storage.isHalf, "widenHalf needs a 16-bit kind")
    if storage == .bfloat16 { fs_bf16_to_f32(bits, destination, count) } else { fs_f16_to_f32(bits, destination, count) }
}
