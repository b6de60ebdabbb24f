import Foundation

/// GELU with the tanh approximation (PyTorch `GELU(approximate="tanh")`), in place.
@inlinable
public func geluTanhInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
    Parallel.forEachChunk(count, minChunk: Parallel.elementwiseGrain) { range in
        let c: Float = 0.7978845608028654  // sqrt(2/π)
        for i in range {
            let v = x[i]
            // 0.5·(1 + tanh(u)) = sigmoid(2u) = 1 / (1 + e^(−2u))
            let u = c * (v + 0.044715 * v * v * v)
            x[i] = v / (1 + fastExp(-2 * u))
        }
    }
}

/// SiLU `x·sigmoid(x)`, in place.
@inlinable
public func siluInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
    Parallel.forEachChunk(count, minChunk: Parallel.elementwiseGrain) { range in
        for i in range {
            let v = x[i]
            x[i] = v / (1 + fastExp(-v))
        }
    }
}

/// GELU-tanh backward: `dx = dy·gelu'(u)` from the pre-activation `u` (`dx` may be `dy`).
@inlinable
public func geluTanhBackward(dy: UnsafePointer<Float>, u: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, count: Int) {
    // The in-place case gets its own loop: a loop whose load and store pointers might overlap
    // falls back to scalar code at run time, and in place they always "overlap".
    if UnsafePointer(dx) == dy {
        Parallel.forEachChunk(count, minChunk: Parallel.elementwiseGrain) { range in
            for i in range { dx[i] *= geluTanhDerivative(u[i]) }
        }
    } else {
        Parallel.forEachChunk(count, minChunk: Parallel.elementwiseGrain) { range in
            for i in range { dx[i] = dy[i] * geluTanhDerivative(u[i]) }
        }
    }
}

/// d/dv GELU-tanh(v) = s + v·2s(1 − s)·c(1 + 3·0.044715·v²), with s = sigmoid(2c(v + 0.044715v³)).
@inlinable @inline(__always)
public func geluTanhDerivative(_ v: Float) -> Float {
    let c: Float = 0.7978845608028654
    let inner = c * (v + 0.044715 * v * v * v)
    let s = 1 / (1 + fastExp(-2 * inner))  // = (1 + tanh(inner)) / 2
    return s + v * 2 * s * (1 - s) * c * (1 + 3 * 0.044715 * v * v)
}

/// SiLU backward from the pre-activation `u`: `dx = dy·σ(u)·(1 + u·(1 − σ(u)))` (`dx` may be `dy`).
public func siluBackward(dy: UnsafePointer<Float>, u: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count {
        let s = 1 / (1 + fastExp(-u[i]))
        dx[i] = dy[i] * s * (1 + u[i] * (1 - s))
    }
}

/// GELU (tanh approximation) of every element.
public func geluTanh(_ x: Tensor) -> Tensor {
    var y = x
    y.scalars.withUnsafeMutableBufferPointer { geluTanhInPlace($0.baseAddress!, count: $0.count) }
    return y
}

/// SiLU of every element.
public func silu(_ x: Tensor) -> Tensor {
    var y = x
    y.scalars.withUnsafeMutableBufferPointer { siluInPlace($0.baseAddress!, count: $0.count) }
    return y
}

/// Plain double-precision GELU-tanh: the test oracle.
public func naiveGeluTanh(_ x: Tensor) -> Tensor {
    Tensor(shape: x.shape, scalars: x.scalars.map { v in
        let d = Double(v)
        return Float(0.5 * d * (1 + tanh((2 / Double.pi).squareRoot() * (d + 0.044715 * d * d * d))))
    })
}

/// Plain double-precision SiLU: the test oracle.
public func naiveSilu(_ x: Tensor) -> Tensor {
    Tensor(shape: x.shape, scalars: x.scalars.map { v in Float(Double(v) / (1 + exp(-Double(v)))) })
}
