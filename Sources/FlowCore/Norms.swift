import Foundation

/// LayerNorm (no affine) of one row of `width` floats, in place, on the calling thread.
/// Returns the reciprocal standard deviation (what backward needs).
@inlinable @inline(__always) @discardableResult
public func layerNormRow(_ row: UnsafeMutablePointer<Float>, width: Int, eps: Float = 1e-6) -> Float {
    let mean = vectorSum(row, count: width) / Float(width)
    for i in 0..<width { row[i] -= mean }
    let variance = vectorDot(row, row, count: width) / Float(width)
    let inv = 1 / (variance + eps).squareRoot()
    for i in 0..<width { row[i] *= inv }
    return inv
}

/// RMSNorm with a learned weight of one row of `width` floats, in place, on the calling thread.
/// Returns the reciprocal RMS (what backward needs).
@inlinable @inline(__always) @discardableResult
public func rmsNormRow(_ row: UnsafeMutablePointer<Float>, width: Int, weight: UnsafePointer<Float>, eps: Float = 1e-6) -> Float {
    let sumSquares = vectorDot(row, row, count: width)
    let inv = 1 / (sumSquares / Float(width) + eps).squareRoot()
    for i in 0..<width { row[i] = row[i] * inv * weight[i] }
    return inv
}

/// Layer normalisation over the last axis without a learned affine (SD3's `LayerNorm(elementwise_affine=False)`),
/// in place on `rows` rows of `width` floats with row stride `stride`; with `rstd` [rows], keeps
/// each row's reciprocal standard deviation for `layerNormBackward`.
@inlinable
public func layerNormRows(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, stride: Int, eps: Float = 1e-6,
                          rstd: UnsafeMutablePointer<Float>? = nil) {
    nonisolated(unsafe) let rstd = rstd
    Parallel.forEachChunk(rows, minChunk: max(1, Parallel.elementwiseGrain / max(1, width))) { range in
        for r in range {
            let inv = layerNormRow(x + r * stride, width: width, eps: eps)
            rstd?[r] = inv
        }
    }
}

/// RMS normalisation with a learned weight over the last axis: `x / sqrt(mean(x²) + eps) · w`,
/// in place on `rows` rows of `weight.count` floats with row stride `stride`; with `rstd` [rows],
/// keeps each row's reciprocal RMS for `rmsNormBackward`.
@inlinable
public func rmsNormRows(_ x: UnsafeMutablePointer<Float>, rows: Int, stride: Int, weight: UnsafePointer<Float>, width: Int, eps: Float = 1e-6,
                        rstd: UnsafeMutablePointer<Float>? = nil) {
    nonisolated(unsafe) let rstd = rstd
    Parallel.forEachChunk(rows, minChunk: max(1, Parallel.elementwiseGrain / max(1, width))) { range in
        for r in range {
            let inv = rmsNormRow(x + r * stride, width: width, weight: weight, eps: eps)
            rstd?[r] = inv
        }
    }
}

/// LayerNorm (no affine) backward from the normalised output `y` and `rstd`:
/// `dx += rstd·(dy − mean(dy) − y·mean(dy·y))`.
public func layerNormBackward(dy: UnsafePointer<Float>, y: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                              dx: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
    Parallel.forEachChunk(rows, minChunk: max(1, Parallel.elementwiseGrain / width)) { range in
        for r in range {
            let dyr = dy + r * width, yr = y + r * width, dxr = dx + r * width
            var meanDy: Float = 0, meanDyY: Float = 0
            for i in 0..<width { meanDy += dyr[i]; meanDyY += dyr[i] * yr[i] }
            meanDy /= Float(width)
            meanDyY /= Float(width)
            let s = rstd[r]
            for i in 0..<width { dxr[i] += s * (dyr[i] - meanDy - yr[i] * meanDyY) }
        }
    }
}

/// RMSNorm backward from the input `x` and `rstd`: with n = x·rstd, `dw += Σ dy·n`,
/// `dx (= or +=) rstd·(g − n·mean(g·n))`, g = dy·w. `dy` and `x` have row stride `stride`.
public func rmsNormBackward(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, stride: Int, weight: UnsafePointer<Float>,
                            rstd: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, dxStride: Int, accumulate: Bool,
                            dWeight: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
    for r in 0..<rows {
        let dyr = dy + r * stride, xr = x + r * stride, dxr = dx + r * dxStride
        let s = rstd[r]
        var dot: Float = 0
        for i in 0..<width {
            let n = xr[i] * s
            dWeight[i] += dyr[i] * n
            dot += dyr[i] * weight[i] * n
        }
        dot /= Float(width)
        for i in 0..<width {
            let g = dyr[i] * weight[i] * s - xr[i] * s * s * dot
            dxr[i] = accumulate ? dxr[i] + g : g
        }
    }
}

/// `x` [..., W] → LayerNorm over the last axis (no affine).
public func layerNorm(_ x: Tensor, eps: Float = 1e-6) -> Tensor {
    var y = x
    let width = x.shape.last!
    y.scalars.withUnsafeMutableBufferPointer { p in
        layerNormRows(p.baseAddress!, rows: x.count / width, width: width, stride: width, eps: eps)
    }
    return y
}

/// `x` [..., W] → RMSNorm over the last axis with `weight` [W].
public func rmsNorm(_ x: Tensor, weight: Tensor, eps: Float = 1e-6) -> Tensor {
    var y = x
    let width = x.shape.last!
    precondition(weight.shape == [width], "RMSNorm weight \(weight.shape) for input \(x.shape)")
    y.scalars.withUnsafeMutableBufferPointer { p in
        weight.scalars.withUnsafeBufferPointer { w in
            rmsNormRows(p.baseAddress!, rows: x.count / width, stride: width, weight: w.baseAddress!, width: width, eps: eps)
        }
    }
    return y
}

/// Plain-loop LayerNorm in double precision: the test oracle.
public func naiveLayerNorm(_ x: Tensor, eps: Double = 1e-6) -> Tensor {
    let width = x.shape.last!
    var y = x
    for r in 0..<(x.count / width) {
        let row = (0..<width).map { Double(x.scalars[r * width + $0]) }
        let mean = row.reduce(0, +) / Double(width)
        let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(width)
        for i in 0..<width { y.scalars[r * width + i] = Float((row[i] - mean) / (variance + eps).squareRoot()) }
    }
    return y
}

/// Plain-loop RMSNorm in double precision: the test oracle.
public func naiveRMSNorm(_ x: Tensor, weight: Tensor, eps: Double = 1e-6) -> Tensor {
    let width = x.shape.last!
    var y = x
    for r in 0..<(x.count / width) {
        let row = (0..<width).map { Double(x.scalars[r * width + $0]) }
        let rms = (row.map { $0 * $0 }.reduce(0, +) / Double(width) + eps).squareRoot()
        for i in 0..<width { y.scalars[r * width + i] = Float(row[i] / rms * Double(weight.scalars[i])) }
    }
    return y
}
