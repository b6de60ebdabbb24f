import Foundation

/// Softmax over each of `rows` rows of `width` floats (row stride `stride`), in place,
/// after scaling the inputs by `scale`.
@inlinable
public func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, stride: Int, scale: Float = 1) {
    for r in 0..<rows {
        let row = x + r * stride
        var maxValue = -Float.infinity
        for i in 0..<width { maxValue = max(maxValue, row[i]) }
        var sum: Float = 0
        for i in 0..<width {
            let e = fastExp((row[i] - maxValue) * scale)
            row[i] = e
            sum += e
        }
        let inv = 1 / sum
        for i in 0..<width { row[i] *= inv }
    }
}

/// Softmax over the last axis.
public func softmax(_ x: Tensor) -> Tensor {
    var y = x
    let width = x.shape.last!
    y.scalars.withUnsafeMutableBufferPointer { p in
        Parallel.forEachChunk(x.count / width, minChunk: 8) { range in
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

/// `exp(x)` for softmax: range reduction `x·log2(e) = n + f` with `f` in [−½, ½], then the
/// degree-7 Taylor polynomial of `2^f` (error below 1e-8 relative) scaled by `2^n` through the
/// exponent bits. Inputs are clamped to [−87, 88]; branch-free so loops vectorise.
@inlinable @inline(__always)
public func fastExp(_ x: Float) -> Float {
    let t = min(max(x, -87.0), 88.0) * 1.4426950408889634  // x · log2(e)
    let n = t.rounded(.toNearestOrEven)
    let f = t - n
    var p: Float = 1.5252734e-5
    p = p * f + 1.5403530e-4
    p = p * f + 1.3333558e-3
    p = p * f + 9.6181291e-3
    p = p * f + 5.5504109e-2
    p = p * f + 2.4022651e-1
    p = p * f + 6.9314718e-1
    p = p * f + 1.0
    let bits = UInt32(bitPattern: Int32(n) + 127) << 23
    return p * Float(bitPattern: bits)
}
