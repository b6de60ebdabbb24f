import CQuantized

/// GGUF tensor data to Float32: plain types (F32, F16, BF16) and ggml's quantized blocks
/// (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 of 32 values; Q4_K, Q5_K, Q6_K of 256), each exactly as ggml's
/// `dequantize_row_*` and the `gguf` Python package's `quants.dequantize` compute it.
///
/// Block layouts (little-endian; d, m, dmin are float16; "nibble" = 4 bits):
/// - Q8_0 [d, 32 × int8 q]: x = d·q.
/// - Q4_0 [d, 16 bytes]: byte j holds value j (low nibble) and value j+16 (high); x = d·(q − 8).
/// - Q4_1 [d, m, 16 bytes]: as Q4_0, x = d·q + m.
/// - Q5_0 [d, uint32 qh, 16 bytes]: as Q4_0 plus bit j of qh as value j's fifth bit; x = d·(q − 16).
/// - Q5_1 [d, m, qh, 16 bytes]: as Q5_0, x = d·q + m.
/// - Q4_K [d, dmin, 12 bytes of eight 6-bit (scale, min) pairs, 128 bytes]: sub-block s of 32
///   values, x = d·scale_s·q − dmin·min_s; byte 32g+l holds value 64g+l (low) and 64g+32+l (high).
/// - Q5_K: Q4_K with 32 bytes qh before the nibbles; bit s of qh[l] is value 32s+l's fifth bit.
/// - Q6_K [128 bytes low nibbles, 64 bytes 2-bit highs, 16 int8 scales, d]: x = d·scale_(i/16)·(q − 32).
///
/// Each function is a plain loop over blocks; large tensors are split across threads by block.
public enum GGUFDequantize {
    /// Writes the `destination.count` values stored as `type` at `source` (which holds
    /// `destination.count / type.blockSize` blocks) into `destination`. `type` must be supported
    /// (`GGUFBlockType.isSupported`) and the count a whole number of blocks; the reader checks both.
    public static func dequantize(_ type: GGUFBlockType, from source: UnsafeRawPointer,
                                  into destination: UnsafeMutableBufferPointer<Float>) {
        guard let out = destination.baseAddress, destination.count > 0 else { return }
        let blocks = destination.count / type.blockSize
        precondition(blocks * type.blockSize == destination.count && type.isSupported,
                     "GGUF \(type.name): \(destination.count) values are not whole blocks or not supported")
        let size = type.bytesPerBlock, n = type.blockSize
        let block: (UnsafeRawPointer, UnsafeMutablePointer<Float>) -> Void
        switch type {
        case .f32: block = { src, dst in dst.pointee = Float(bitPattern: src.loadUnaligned(as: UInt32.self)) }
        case .f16: block = { src, dst in dst.pointee = half(src) }
        case .bf16: block = { src, dst in dst.pointee = Float(bitPattern: UInt32(src.loadUnaligned(as: UInt16.self)) << 16) }
        case .q8_0: block = q8_0
        case .q4_0: block = q4_0
        case .q4_1: block = q4_1
        case .q5_0: block = q5_0
        case .q5_1: block = q5_1
        case .q4_K: block = q4_K
        case .q5_K: block = q5_K
        case .q6_K: block = q6_K
        default: return
        }
        if type == .f32 {
            UnsafeMutableRawPointer(out).copyMemory(from: source, byteCount: destination.count * 4)
            return
        }
        Parallel.forEachChunk(blocks, minChunk: max(1, 16384 / n)) { range in
            for b in range { block(source + b * size, out + b * n) }
        }
    }

    /// Writes the `count` values (whole blocks) stored as `type` at `source` into `destination`,
    /// on the calling thread: the per-format step of `blockWeightGEMM`, which widens a block of
    /// weight rows into a float32 tile. The same values as `dequantize` (the 32-value types through
    /// the C kernels of `CQuantized`, AVX2 where present; the K-quants through the plain loops).
    /// `type.widensRows` must be true.
    public static func widen(_ type: GGUFBlockType, from source: UnsafeRawPointer,
                             into destination: UnsafeMutablePointer<Float>, count: Int) {
        let n = Int64(count)
        switch type {
        case .q8_0: fs_widen_q8_0(source, destination, n)
        case .q4_0: fs_widen_q4_0(source, destination, n)
        case .q4_1: fs_widen_q4_1(source, destination, n)
        case .q5_0: fs_widen_q5_0(source, destination, n)
        case .q5_1: fs_widen_q5_1(source, destination, n)
        case .q4_K, .q5_K, .q6_K:
            let block = type == .q4_K ? q4_K : type == .q5_K ? q5_K : q6_K
            for b in 0..<count / 256 { block(source + b * type.bytesPerBlock, destination + b * 256) }
        default:
            preconditionFailure("GGUF \(type.name) blocks are not widened by rows")
        }
    }

    /// The float16 at `p` as a Float.
    @inline(__always) static func half(_ p: UnsafeRawPointer) -> Float {
        Float16Conversion.float(float16Bits: p.loadUnaligned(as: UInt16.self))
    }

    /// The 4-bit value `j` (0..<32) of a 32-value block's 16 nibble bytes.
    @inline(__always) static func nibble(_ qs: UnsafeRawPointer, _ j: Int) -> Int32 {
        let byte = qs.load(fromByteOffset: j & 15, as: UInt8.self)
        return Int32(j < 16 ? byte & 0x0F : byte >> 4)
    }

    static func q8_0(_ block: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(block)
        for j in 0..<32 { out[j] = d * Float(block.load(fromByteOffset: 2 + j, as: Int8.self)) }
    }

    static func q4_0(_ block: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(block)
        for j in 0..<32 { out[j] = d * Float(nibble(block + 2, j) - 8) }
    }

    static func q4_1(_ block: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(block), m = half(block + 2)
        for j in 0..<32 { out[j] = d * Float(nibble(block + 4, j)) + m }
    }

    static func q5_0(_ block: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(block)
        let qh = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        for j in 0..<32 { out[j] = d * Float((nibble(block + 6, j) | Int32((qh >> j) & 1) << 4) - 16) }
    }

    static func q5_1(_ block: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(block), m = half(block + 2)
        let qh = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        for j in 0..<32 { out[j] = d * Float(nibble(block + 8, j) | Int32((qh >> j) & 1) << 4) + m }
    }

    /// Sub-block `j`'s (0..<8) 6-bit scale and min from the K-quants' 12 packed bytes.
    @inline(__always) static func scaleMin(_ s: UnsafeRawPointer, _ j: Int) -> (Float, Float) {
        func b(_ i: Int) -> UInt8 { s.load(fromByteOffset: i, as: UInt8.self) }
        if j < 4 { return (Float(b(j) & 63), Float(b(j + 4) & 63)) }
        return (Float((b(j + 4) & 0x0F) | ((b(j - 4) >> 6) << 4)), Float((b(j + 4) >> 4) | ((b(j) >> 6) << 4)))
    }

    static func q4_K(_ block: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(block), dmin = half(block + 2)
        let scales = block + 4, qs = block + 16
        for s in 0..<8 {
            let (scale, min) = scaleMin(scales, s)
            let dl = d * scale, ml = dmin * min
            let group = qs + 32 * (s / 2), shift = UInt8(4 * (s % 2))
            for l in 0..<32 {
                out[32 * s + l] = dl * Float((group.load(fromByteOffset: l, as: UInt8.self) >> shift) & 0x0F) - ml
            }
        }
    }

    static func q5_K(_ block: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(block), dmin = half(block + 2)
        let scales = block + 4, qh = block + 16, qs = block + 48
        for s in 0..<8 {
            let (scale, min) = scaleMin(scales, s)
            let dl = d * scale, ml = dmin * min
            let group = qs + 32 * (s / 2), shift = UInt8(4 * (s % 2))
            for l in 0..<32 {
                let low = (group.load(fromByteOffset: l, as: UInt8.self) >> shift) & 0x0F
                let high = (qh.load(fromByteOffset: l, as: UInt8.self) >> UInt8(s)) & 1
                out[32 * s + l] = dl * Float(low | high << 4) - ml
            }
        }
    }

    static func q6_K(_ block: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let ql = block, qh = block + 128, scales = block + 192
        let d = half(block + 208)
        for e in 0..<256 {
            let half128 = e / 128, within = e % 128
            let low = (ql.load(fromByteOffset: 64 * half128 + within % 64, as: UInt8.self) >> UInt8(4 * (within / 64))) & 0x0F
            let high = (qh.load(fromByteOffset: 32 * half128 + within % 32, as: UInt8.self) >> UInt8(2 * (within / 32))) & 3
            let q = Int32(low | high << 4) - 32
            out[e] = d * Float(scales.load(fromByteOffset: e / 16, as: Int8.self)) * Float(q)
        }
    }
}
