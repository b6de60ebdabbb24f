import CBFloat16

// Legend: M rows of the activations, N output features (rows of W), K input features,
// NB rows of W widened per block.

/// `C[M, N] = A[M, K]·Wᵀ + beta·C` where the weight `W` [N, K] is held in 16 bits (`storage`
/// `.bfloat16` or `.float16`, rows contiguous): the product of `Linear.forward` over a matrix
/// kept as its file stores it. The widening is exact (a 16-bit shift for bfloat16, F16C
/// `vcvtph2ps` for float16), so the result is the float32 product over the file's values.
///
/// Never more than one matrix is widened, and only for the duration of the call:
/// - Many rows (M ≥ `halfWeightWholeMatrixRows`, the MM-DiT's token streams): W is widened
///   whole into a float32 scratch (in parallel), then `sgemm` runs exactly as it does over
///   float32 weights (same blocking, same threads, `precision` honoured). The widening reads
///   N·K·2 bytes and writes N·K·4 once per M·N·K multiply-adds: about 1% of the product at
///   M = 2048. (Widening per block of rows instead made OpenBLAS pack A once per block: 10–40%
///   slower on these shapes, measured.)
/// - Few rows (the modulation and embedding MLPs, batch 1–2, memory-bound): W is walked in
///   blocks of `smallRowsBlock` rows split over the threads, each widened into a small
///   per-thread scratch that stays in cache while one single-threaded product reads it, so
///   the product reads half the bytes float32 weights would take.
public func halfWeightGEMM(
    m: Int, n: Int, k: Int,
    a: UnsafePointer<Float>, lda: Int,
    w: UnsafePointer<UInt16>, storage: ParameterStorage,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    beta: Float = 0, precision: MatrixPrecision = .float32
) {
    precondition(storage.isHalf, "halfWeightGEMM needs a 16-bit weight")
    guard m > 0, n > 0 else { return }
    let widen = storage == .bfloat16 ? fs_bf16_to_f32 : fs_f16_to_f32  // exact
    let inside = Parallel.isInsideParallelRegion
    nonisolated(unsafe) let (a, w, c) = (a, w, c)
    if m >= halfWeightWholeMatrixRows {
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: n * k)         // [N, K]
        defer { scratch.deallocate() }
        nonisolated(unsafe) let wide = scratch
        if inside {
            widen(w, wide, n * k)
        } else {
            Parallel.forEachChunk(n, minChunk: max(1, Parallel.elementwiseGrain / max(k, 1))) { rows in
                widen(w + rows.lowerBound * k, wide + rows.lowerBound * k, rows.count * k)
            }
        }
        sgemm(m: m, n: n, k: k, a: a, lda: lda, b: scratch, ldb: k, transposeB: true, c: c, ldc: ldc,
              beta: beta, precision: precision)
        return
    }
    let threads = inside ? 1 : Parallel.threadCount
    let work = Double(m) * Double(n) * Double(k)
    let mixed = precision == .bfloat16 && work >= MatrixPrecision.bfloat16MinimumWork
    let serial = mixed ? bfloat16GEMMSerial : sgemmSerial
    let nb = min(n, smallRowsBlock)
    let blocks = (n + nb - 1) / nb
    let parts = work < 2e6 ? 1 : min(threads, blocks)
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

/// Rows of activations from which `halfWeightGEMM` widens the whole weight before one `sgemm`
/// (below it, blocks of rows into a per-thread scratch).
public let halfWeightWholeMatrixRows = 256

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
