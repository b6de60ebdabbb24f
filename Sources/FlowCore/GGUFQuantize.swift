import CQuantized

/// FlowStudio's own quantizers into ggml's blocks, byte for byte the `gguf` Python package's
/// `quants.quantize` (and ggml's `quantize_row_*_ref`), so that a benchmark or a test can hold
/// random weights as a GGUF file would:
/// - Q8_0: d = max|x| / 127, q = round-half-away(x · (1/d)), 32 int8 and d as float16 (34 bytes).
/// - Q4_0: m = the value of largest magnitude, d = m / −8, q = min(15, ⌊x · (1/d) + 8.5⌋),
///   byte j = q_j | q_(j+16) << 4 and d as float16 (18 bytes).
/// The arithmetic is float32 step by step (the C kernels in `CQuantized` forbid fused
/// multiply-adds), as numpy computes it.
public enum GGUFQuantize {
    /// Writes the `source.count / 32` blocks of `type` (`hasQuantizer`) quantizing `source`
    /// (a multiple of 32 values) into `destination`, which holds
    /// `ParameterStorage.blocks(type).byteCount(elements: source.count)` bytes. Large inputs are
    /// split over the threads by block.
    public static func quantize(_ type: GGUFBlockType, _ source: UnsafeBufferPointer<Float>,
                                into destination: UnsafeMutableRawBufferPointer) {
        precondition(type.hasQuantizer, "FlowStudio does not quantize into \(type.name)")
        let blocks = source.count / 32
        precondition(blocks * 32 == source.count && destination.count >= blocks * type.bytesPerBlock,
                     "\(type.name): \(source.count) values are not whole blocks, or \(destination.count) bytes too few")
        guard blocks > 0, let x = source.baseAddress, let y = destination.baseAddress else { return }
        nonisolated(unsafe) let (input, output) = (x, y)
        let size = type.bytesPerBlock
        Parallel.forEachChunk(blocks, minChunk: 2048) { range in
            let from = input + range.lowerBound * 32, to = output + range.lowerBound * size, count = Int64(range.count * 32)
            if type == .q8_0 {
                fs_quantize_row_q8_0(from, to.assumingMemoryBound(to: fs_block_q8_0.self), count)
            } else {
                fs_quantize_row_q4_0(from, to, count)
            }
        }
    }

    /// The blocks of `values` (a multiple of 32) as bytes.
    public static func quantize(_ type: GGUFBlockType, _ values: [Float]) -> [UInt8] {
        let bytes = ParameterStorage.blocks(type).byteCount(elements: values.count)
        return [UInt8](unsafeUninitializedCapacity: bytes) { buffer, initialized in
            values.withUnsafeBufferPointer { quantize(type, $0, into: UnsafeMutableRawBufferPointer(buffer)) }
            initialized = bytes
        }
    }
}
