import CBFloat16

// Legend: M rows of the activations, N output features (rows of W), K input features,
// NB rows of W widened per block.

/// `C[M, N] = A[M, K]·Wᵀ + beta·C` where the weight `W` [N, K] is held as stored (`storage`:
/// `.bfloat16` / `.float16` patterns, or GGUF `.blocks` whose rows are whole blocks; rows
/// contiguous at `w`): the product of `Linear.forward` over a matrix kept as its file stores it.
/// Rows of W are widened to float32 (exactly: a 16-bit shift for bfloat16, F16C `vcvtph2ps` for
/// float16, ggml's dequantization for blocks) and multiplied by `sgemm`, so the result is the
/// float32 product over the values the file stands for. The widening of a run of rows
/// (`WeightRows`) is the only part that depends on the format.
///
/// The widened rows go to the calling thread's `WideningScratch` (kept between calls; measured
/// against a buffer allocated per call with `reuseScratch: false`). Never more than one matrix is
/// widened per thread at a time:
/// - Many rows (M ≥ `halfWeightWholeMatrixRows`, the MM-DiT's token streams): W is widened
///   whole into a float32 scratch (in parallel), then `sgemm` runs exactly as it does over
///   float32 weights (same blocking, same threads, `precision` honoured). The widening reads
///   the held bytes and writes N·K·4 once per M·N·K multiply-adds: about 1% of the product at
///   M = 2048. (Widening per block of rows instead made OpenBLAS pack A once per block: 10–40%
///   slower on these shapes, measured.)
/// - Few rows (the modulation and embedding MLPs, batch 1–2, memory-bound): W is walked in
///   blocks of `smallRowsBlock` rows split over the threads, each widened into a small
///   per-thread scratch that stays in cache while one single-threaded product reads it, so
///   the product reads only the held bytes (half of float32's for 16 bits, about a quarter for Q8_0).
public func blockWeightGEMM(
    m: Int, n: Int, k: Int,
    a: UnsafePointer<Float>, lda: Int,
    w: UnsafeRawPointer, storage: ParameterStorage,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    beta: Float = 0, precision: MatrixPrecision = .float32, reuseScratch: Bool = true
) {
    let rowsOfW = WeightRows(w, storage: storage, columns: k)
    guard m > 0, n > 0 else { return }
    let inside = Parallel.isInsideParallelRegion
    nonisolated(unsafe) let (a, c) = (a, c)
    if m >= halfWeightWholeMatrixRows {
        let scratch = reuseScratch ? WideningScratch.floats(n * k) : .allocate(capacity: n * k)  // [N, K]
        defer { if !reuseScratch { scratch.deallocate() } }
        nonisolated(unsafe) let wide = scratch
        if inside {
            rowsOfW.widen(0..<n, into: wide)
        } else {
            Parallel.forEachChunk(n, minChunk: max(1, Parallel.elementwiseGrain / max(k, 1))) { rows in
                rowsOfW.widen(rows, into: wide + rows.lowerBound * k)
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
        let scratch = reuseScratch ? WideningScratch.floats(nb * k) : .allocate(capacity: nb * k)  // [NB, K]
        defer { if !reuseScratch { scratch.deallocate() } }
        for block in first..<last {
            let j0 = block * nb, rows = min(nb, n - j0)
            rowsOfW.widen(j0..<(j0 + rows), into: scratch)
            serial(m, rows, k, a, lda, false, scratch, k, true, c + j0, ldc, 1, beta)
        }
    }
    if parts <= 1 {
        run(0)
    } else {
        Parallel.forEach(parts, run)
    }
}

/// `blockWeightGEMM` over 16-bit patterns (`storage` `.bfloat16` or `.float16`).
public func halfWeightGEMM(
    m: Int, n: Int, k: Int,
    a: UnsafePointer<Float>, lda: Int,
    w: UnsafePointer<UInt16>, storage: ParameterStorage,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    beta: Float = 0, precision: MatrixPrecision = .float32
) {
    precondition(storage.isHalf, "halfWeightGEMM needs a 16-bit weight")
    blockWeightGEMM(m: m, n: n, k: k, a: a, lda: lda, w: UnsafeRawPointer(w), storage: storage, c: c, ldc: ldc,
                    beta: beta, precision: precision)
}

/// The rows of a weight matrix [N, K] held as stored, and the one format-dependent step of
/// `blockWeightGEMM`: widening a run of rows into float32.
public struct WeightRows: @unchecked Sendable {
    /// The first row's bytes.
    public let base: UnsafeRawPointer
    public let storage: ParameterStorage
    /// K, the values per row.
    public let columns: Int
    /// The bytes of one row as held.
    public let rowBytes: Int

    /// Rows of `columns` values held as `storage` (16-bit or blocks; for blocks, `columns` a
    /// multiple of the block size) from `base`.
    public init(_ base: UnsafeRawPointer, storage: ParameterStorage, columns: Int) {
        precondition(storage.isStoredMatrix && storage.canHold(shape: [1, columns]),
                     "blockWeightGEMM: rows of \(columns) values cannot be held as \(storage)")
        self.base = base
        self.storage = storage
        self.columns = columns
        self.rowBytes = storage.byteCount(elements: columns)
    }

    /// Writes rows `rows` as float32 into `destination` [rows.count, K] (exact; on this thread).
    public func widen(_ rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        let source = base + rows.lowerBound * rowBytes, count = rows.count * columns
        switch storage {
        case .bfloat16: fs_bf16_to_f32(source.assumingMemoryBound(to: UInt16.self), destination, count)
        case .float16: fs_f16_to_f32(source.assumingMemoryBound(to: UInt16.self), destination, count)
        case .blocks(let type): GGUFDequantize.widen(type, from: source, into: destination, count: count)
        case .float32: preconditionFailure("float32 rows are not widened")
        }
    }
}

/// Rows of activations from which `blockWeightGEMM` widens the whole weight before one `sgemm`
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

/// The plain-loop twin of `blockWeightGEMM` over blocks (test oracle): the whole weight
/// dequantized by `GGUFDequantize.dequantize` (ggml's per-block loops), products summed in Double.
public func naiveBlockWeightGEMM(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                                 w: UnsafeRawPointer, type: GGUFBlockType,
                                 c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float = 0) {
    let values = [Float](unsafeUninitializedCapacity: n * k) { buffer, initialized in
        GGUFDequantize.dequantize(type, from: w, into: buffer)
        initialized = n * k
    }
    for i in 0..<m {
        for j in 0..<n {
            var sum = 0.0
            for p in 0..<k { sum += Double(a[i * lda + p]) * Double(values[j * k + p]) }
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
