import CQuantized

/// Matrix products whose weights stay in ggml's Q8_0 blocks (1.0625 bytes per weight), computed
/// as ggml and stable-diffusion.cpp compute them: each activation row is quantized per 32-value
/// block (d = max|x|/127, q = round(x/d), the same bytes as ggml's `quantize_row_q8_0`), then every
/// output is Σ_blocks d_w·d_x·Σ q_w·q_x with the inner sums exact in int32 (the C target
/// `CQuantized`: AVX2 `_mm256_maddubs_epi16` where the CPU has it, a plain loop as its twin).
///
/// Dimension letters: T rows of activations (tokens), K inputs (a multiple of 32), N outputs.
/// The weights are a Linear's [N, K] as a GGUF file stores them: N rows of K/32 blocks.
public enum GGUFQ8_0Matmul {
    /// Bytes per Q8_0 block of 32 values.
    public static let bytesPerBlock = 34

    /// Each row of `x` ([rows, k], k a multiple of 32) as Q8_0 blocks: rows · k/32 · 34 bytes.
    public static func quantizeRows(_ x: UnsafeBufferPointer<Float>, k: Int) -> [UInt8] {
        precondition(k > 0 && k % 32 == 0 && x.count % k == 0, "Q8_0: rows of \(k) values are not whole blocks")
        let rows = x.count / k, rowBytes = k / 32 * bytesPerBlock
        return [UInt8](unsafeUninitializedCapacity: rows * rowBytes) { buffer, initialized in
            guard let source = x.baseAddress, let target = buffer.baseAddress else { initialized = 0; return }
            Parallel.forEachChunk(rows, minChunk: 16) { range in
                for r in range {
                    let blocks = UnsafeMutableRawPointer(target + r * rowBytes).assumingMemoryBound(to: fs_block_q8_0.self)
                    fs_quantize_row_q8_0(source + r * k, blocks, Int64(k))
                }
            }
            initialized = rows * rowBytes
        }
    }

    /// y [T, N] = x [T, K] · Wᵀ (+ bias [N]) with W = `weights`, N rows of K/32 Q8_0 blocks.
    /// `plain` runs the plain-loop twin (the test oracle) instead of the AVX2 kernel.
    public static func linear(_ x: Tensor, weights: UnsafeRawBufferPointer, outFeatures n: Int, bias: Tensor? = nil,
                              plain: Bool = false) -> Tensor {
        let k = x.shape.last ?? 0
        let t = k > 0 ? x.count / k : 0
        precondition((bias?.count ?? n) == n, "Q8_0 linear: a bias of \(bias?.count ?? 0) for \(n) outputs")
        var shape = x.shape
        shape[shape.count - 1] = n
        return Tensor(shape: shape) { out in  // [T, N]
            x.scalars.withUnsafeBufferPointer { source in
                guard t > 0, n > 0, let a = source.baseAddress, let c = out.baseAddress else { return }
                linear(rows: t, x: a, ldx: k, weights: weights, inFeatures: k, outFeatures: n, y: c, ldy: n, plain: plain)
            }
            if let bias, t > 0 {
                for row in 0..<t { for j in 0..<n { out[row * n + j] += bias.scalars[j] } }
            }
        }
    }

    /// The same on raw rows, as `Linear.forward` holds them: y[i·ldy + j] = Σ_c x[i·ldx + c] · W[j, c]
    /// for `rows` rows of `inFeatures` (a multiple of 32) inputs; `weights` holds outFeatures rows of
    /// inFeatures/32 blocks. This is where a Q8_0-stored weight plugs into a layer's forward.
    public static func linear(rows t: Int, x: UnsafePointer<Float>, ldx: Int, weights: UnsafeRawBufferPointer,
                              inFeatures k: Int, outFeatures n: Int, y: UnsafeMutablePointer<Float>, ldy: Int,
                              plain: Bool = false) {
        precondition(k > 0 && k % 32 == 0 && weights.count == n * k / 32 * bytesPerBlock && ldx >= k && ldy >= n,
                     "Q8_0 linear: [\(t), \(k)] · [\(n), \(k)]ᵀ does not fit \(weights.count) bytes of weights")
        guard t > 0, n > 0, let w = weights.baseAddress else { return }
        // The activations, quantized row by row: [T, K/32 blocks].
        let rowBytes = k / 32 * bytesPerBlock
        var activations = [UInt8](repeating: 0, count: t * rowBytes)
        activations.withUnsafeMutableBytes { a in
            let xq = a.baseAddress!.assumingMemoryBound(to: fs_block_q8_0.self)
            Parallel.forEachChunk(t, minChunk: 16) { range in
                for r in range { fs_quantize_row_q8_0(x + r * ldx, xq + r * (k / 32), Int64(k)) }
            }
            let wq = w.assumingMemoryBound(to: fs_block_q8_0.self)
            Parallel.forEachChunk(n, minChunk: 8) { range in
                fs_gemm_q8_0(Int64(t), Int64(range.lowerBound), Int64(range.upperBound), Int64(k), wq, xq, y, Int64(ldy),
                             plain ? 1 : 0)
            }
        }
    }

    /// True when `linear` uses the AVX2 kernel on this CPU.
    public static var usesAVX2: Bool { fs_q8_0_avx2_available() != 0 }
}
