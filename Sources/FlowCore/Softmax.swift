import Foundation

/// Softmax over each of `rows` rows of `width` floats (row stride `stride`), in place,
/// after scaling the inputs by `scale`.
@inlinable
public func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, stride: Int, scale: Float = 1) {
    for r in 0..<rows {
        let row = x + r * stride
        let maxValue = vectorMax(row, count: width)
        for i in 0..<width { row[i] = fastExp((row[i] - maxValue) * scale) }
        let inv = 1 / vectorSum(row, count: width)
        for i in 0..<width { row[i] *= inv }
    }
}

/// Softmax over the last axis.
public func softmax(_ x: Tensor) -> Tensor {
    var y = x
    let width = x.shape.last!
    y.scalars.withUnsafeMutableBufferPointer { p in
        Parallel.forEachChunk(x.count / width, minChunk: max(1, Parallel.elementwiseGrain / width)) { range in
            softmaxRows(p.baseAddress! + range.lowerBound * width, rows: range.count, width: width, stride: width)
        }
    }
    return y
}

/// Plain double-precision softmax over the last axis: the test oracle.
public func naiveSoftmax(_ x: Tensor) -> Tensor {
    let width = x.shape.last!
    var y = x
    for r in 0..<(x.count / width) {
        let row = (0..<width).map { Double(x.scalars[r * width + $0]) }
        let m = row.max()!
        let e = row.map { exp($0 - m) }
        let s = e.reduce(0, +)
        for i in 0..<width { y.scalars[r * width + i] = Float(e[i] / s) }
    }
    return y
}

/// `exp(x)` for softmax: Cody–Waite range reduction `x = n·ln2 + r` with `r` in [−ln2/2, ln2/2]
/// (ln2 split in a high part exact in Float32 and a low part), the degree-7 Taylor polynomial of
/// `e^r` (truncation error below 1e-8 relative), scaled by `2^n` through the exponent bits.
/// Inputs are clamped to [−87, 88]; branch-free so loops vectorise. Within 1 ulp-ish of `expf`.
@inlinable @inline(__always)
public func fastExp(_ x: Float) -> Float {
    let xc = min(max(x, -87.0), 88.0)
    // Round x·log2(e) to the nearest integer by adding 1.5·2²³: the sum's low mantissa bits then
    // hold n itself (no float→int conversion, which would trap-check and stop vectorisation).
    let shifted = xc * 1.4426950408889634 + 12582912
    let n = shifted - 12582912
    let r = (xc - n * 0.693145751953125) - n * 1.428606765330187e-06
    var p: Float = 1.0 / 5040
    p = p * r + 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let bits = (shifted.bitPattern &- 0x4B40_0000 &+ 127) &<< 23  // 2^n as float bits
    return p * Float(bitPattern: bits)
}
