import Foundation

/// Conversions between Float32 and the two 16-bit float formats found in checkpoints:
/// IEEE 754 half precision (`F16`: 1 sign, 5 exponent, 10 mantissa bits) and bfloat16
/// (`BF16`: the top 16 bits of a Float32: 1 sign, 8 exponent, 7 mantissa bits).
///
/// 16-bit values are passed as their bit patterns (`UInt16`), the way they sit in a file.
/// Going up (16 → 32 bits) is exact. Going down rounds to nearest, ties to even, as
/// PyTorch and NumPy do; values too large become ±infinity, NaN stays NaN (made quiet,
/// the sign and the top payload bits kept).
///
/// The scalar functions are bit manipulations with no table; the buffer functions are
/// plain loops over unsafe buffers, split across threads for large buffers. The
/// `reference…` functions are the slow, obviously-correct twins that tests use as oracles.
public enum Float16Conversion {

    // MARK: Scalars

    /// The F16 bit pattern nearest to `value` (round to nearest, ties to even).
    @inlinable
    public static func float16Bits(_ value: Float) -> UInt16 {
        // After F. Giesen, "float_to_half_fast3_rtne" (public domain).
        var u = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (u >> 16) & 0x8000)
        u &= 0x7FFF_FFFF
        let magnitude: UInt16
        if u >= 0x4780_0000 {
            // |x| >= 2^16: infinity (even 65520 ... 65535.99 round up to it below), or NaN.
            magnitude = u > 0x7F80_0000
                ? 0x7E00 | UInt16(truncatingIfNeeded: (u >> 13) & 0x03FF)
                : 0x7C00
        } else if u < 0x3880_0000 {
            // |x| < 2^-14: the result is subnormal or zero. Adding 0.5 lines the 10
            // mantissa bits up at the bottom of the float, and the FPU rounds them (RNE).
            let aligned = Float(bitPattern: u) + Float(bitPattern: 0x3F00_0000)
            magnitude = UInt16(truncatingIfNeeded: aligned.bitPattern &- 0x3F00_0000)
        } else {
            // Normal: rebias the exponent (127 → 15) and round the 13 dropped bits to
            // nearest even; a carry out of the mantissa bumps the exponent (up to infinity).
            let mantissaOdd = (u >> 13) & 1
            u = u &+ 0xC800_0FFF &+ mantissaOdd  // ((15 - 127) << 23) + 0xFFF
            magnitude = UInt16(truncatingIfNeeded: u >> 13)
        }
        return magnitude | sign
    }

    /// The Float32 value of an F16 bit pattern (exact).
    @inlinable
    public static func float(float16Bits bits: UInt16) -> Float {
        // After F. Giesen, "half_to_float" (public domain).
        let h = UInt32(bits)
        var u = (h & 0x7FFF) << 13  // exponent and mantissa moved into place
        let exponent = u & 0x0F80_0000
        u &+= 0x3800_0000  // rebias the exponent: 15 → 127
        if exponent == 0x0F80_0000 {
            u &+= 0x3800_0000  // infinity or NaN: exponent all ones
        } else if exponent == 0 {
            // Zero or subnormal: renormalise through a float subtraction.
            u &+= 0x0080_0000
            u = (Float(bitPattern: u) - Float(bitPattern: 0x3880_0000)).bitPattern
        }
        return Float(bitPattern: u | ((h & 0x8000) << 16))
    }

    /// The BF16 bit pattern nearest to `value` (round to nearest, ties to even).
    @inlinable
    public static func bfloat16Bits(_ value: Float) -> UInt16 {
        let u = value.bitPattern
        if u & 0x7FFF_FFFF > 0x7F80_0000 {
            return UInt16(truncatingIfNeeded: u >> 16) | 0x0040  // quiet NaN
        }
        let roundingBias: UInt32 = 0x7FFF &+ ((u >> 16) & 1)
        return UInt16(truncatingIfNeeded: (u &+ roundingBias) >> 16)
    }

    /// The Float32 value of a BF16 bit pattern (exact).
    @inlinable
    public static func float(bfloat16Bits bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    // MARK: Buffers

    /// Writes the Float32 value of each F16 pattern in `source` into `destination`
    /// (the same count).
    public static func convert(float16 source: UnsafeBufferPointer<UInt16>,
                               into destination: UnsafeMutableBufferPointer<Float>) {
        precondition(source.count == destination.count,
                     "F16 → F32: \(source.count) values into a buffer of \(destination.count)")
        guard let src = source.baseAddress, let dst = destination.baseAddress else { return }
        forEachChunk(count: source.count) { range in
            for i in range { dst[i] = float(float16Bits: src[i]) }
        }
    }

    /// Writes the Float32 value of each BF16 pattern in `source` into `destination`
    /// (the same count).
    public static func convert(bfloat16 source: UnsafeBufferPointer<UInt16>,
                               into destination: UnsafeMutableBufferPointer<Float>) {
        precondition(source.count == destination.count,
                     "BF16 → F32: \(source.count) values into a buffer of \(destination.count)")
        guard let src = source.baseAddress, let dst = destination.baseAddress else { return }
        forEachChunk(count: source.count) { range in
            for i in range { dst[i] = Float(bitPattern: UInt32(src[i]) << 16) }
        }
    }

    /// Writes the F16 pattern nearest to each value of `source` into `destination`
    /// (the same count).
    public static func convert(_ source: UnsafeBufferPointer<Float>,
                               intoFloat16 destination: UnsafeMutableBufferPointer<UInt16>) {
        precondition(source.count == destination.count,
                     "F32 → F16: \(source.count) values into a buffer of \(destination.count)")
        guard let src = source.baseAddress, let dst = destination.baseAddress else { return }
        forEachChunk(count: source.count) { range in
            for i in range { dst[i] = float16Bits(src[i]) }
        }
    }

    /// Writes the BF16 pattern nearest to each value of `source` into `destination`
    /// (the same count).
    public static func convert(_ source: UnsafeBufferPointer<Float>,
                               intoBFloat16 destination: UnsafeMutableBufferPointer<UInt16>) {
        precondition(source.count == destination.count,
                     "F32 → BF16: \(source.count) values into a buffer of \(destination.count)")
        guard let src = source.baseAddress, let dst = destination.baseAddress else { return }
        forEachChunk(count: source.count) { range in
            for i in range { dst[i] = bfloat16Bits(src[i]) }
        }
    }

    // MARK: Arrays

    /// The Float32 values of F16 bit patterns.
    public static func floats(float16 bits: [UInt16]) -> [Float] {
        [Float](unsafeUninitializedCapacity: bits.count) { buffer, count in
            bits.withUnsafeBufferPointer { convert(float16: $0, into: buffer) }
            count = bits.count
        }
    }

    /// The Float32 values of BF16 bit patterns.
    public static func floats(bfloat16 bits: [UInt16]) -> [Float] {
        [Float](unsafeUninitializedCapacity: bits.count) { buffer, count in
            bits.withUnsafeBufferPointer { convert(bfloat16: $0, into: buffer) }
            count = bits.count
        }
    }

    /// The F16 bit patterns nearest to `values`.
    public static func float16Bits(_ values: [Float]) -> [UInt16] {
        [UInt16](unsafeUninitializedCapacity: values.count) { buffer, count in
            values.withUnsafeBufferPointer { convert($0, intoFloat16: buffer) }
            count = values.count
        }
    }

    /// The BF16 bit patterns nearest to `values`.
    public static func bfloat16Bits(_ values: [Float]) -> [UInt16] {
        [UInt16](unsafeUninitializedCapacity: values.count) { buffer, count in
            values.withUnsafeBufferPointer { convert($0, intoBFloat16: buffer) }
            count = values.count
        }
    }

    // MARK: Reference twins (test oracles)

    /// Reference for `float16Bits(_:)`: Swift's own `Float16` conversion.
    public static func referenceFloat16Bits(_ value: Float) -> UInt16 {
        Float16(value).bitPattern
    }

    /// Reference for `float(float16Bits:)`: Swift's own `Float16` conversion.
    public static func referenceFloat(float16Bits bits: UInt16) -> Float {
        Float(Float16(bitPattern: bits))
    }

    /// Reference for `bfloat16Bits(_:)`: picks the nearer of the two BF16 neighbours of
    /// `value` by comparing distances in Double, the even one on a tie. Above the largest
    /// BF16 the upper neighbour is 2^128 (as if the exponent went on), which then
    /// becomes infinity, as IEEE rounding prescribes.
    public static func referenceBFloat16Bits(_ value: Float) -> UInt16 {
        let u = value.bitPattern
        if value.isNaN { return UInt16(truncatingIfNeeded: u >> 16) | 0x0040 }
        if value.isInfinite { return UInt16(truncatingIfNeeded: u >> 16) }
        let lowerBits = u & 0xFFFF_0000  // toward zero
        if lowerBits == u { return UInt16(truncatingIfNeeded: u >> 16) }
        let lower = abs(Double(Float(bitPattern: lowerBits)))
        let exponentField = Int((u >> 23) & 0xFF)
        let step = exponentField == 0 ? pow(2.0, -133.0) : pow(2.0, Double(exponentField - 127 - 7))
        let upper = lower + step
        let x = abs(Double(value))
        let lowerPattern = UInt16(truncatingIfNeeded: lowerBits >> 16)
        let upperPattern = lowerPattern &+ 1  // carries into the exponent, up to infinity
        if x - lower < upper - x { return lowerPattern }
        if upper - x < x - lower { return upperPattern }
        return lowerPattern & 1 == 0 ? lowerPattern : upperPattern
    }

    // MARK: Threading

    /// Buffers smaller than this are converted on the calling thread.
    static let parallelThreshold = 1 << 18

    /// Runs `body` over `0..<count`, split into contiguous chunks run in parallel when
    /// `count` is large.
    static func forEachChunk(count: Int, _ body: (Range<Int>) -> Void) {
        let threads = ProcessInfo.processInfo.activeProcessorCount
        guard count >= parallelThreshold, threads > 1 else {
            body(0..<count)
            return
        }
        let chunks = min(threads * 4, count / (parallelThreshold / 4))
        let chunkSize = (count + chunks - 1) / chunks
        // concurrentPerform wants a @Sendable closure; the chunks write disjoint ranges,
        // and `body` does not outlive this call.
        withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let start = chunk * chunkSize
                let end = min(start + chunkSize, count)
                if start < end { work.value(start..<end) }
            }
        }
    }
}

/// A value handed across threads whose safety the caller guarantees (here: closures that
/// write disjoint ranges of one buffer).
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
