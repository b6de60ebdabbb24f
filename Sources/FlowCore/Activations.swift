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

/// QuickGELU `x·sigmoid(1.702·x)` (transformers' `quick_gelu`, CLIP-L's MLP), in place.
/// Not `@inlinable`, so it runs as compiled in FlowCore (vectorised) whoever calls it.
public func quickGELUInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
    Parallel.forEachChunk(count, minChunk: Parallel.elementwiseGrain) { range in
        for i in range {
            let v = x[i]
            x[i] = v / (1 + fastExp(-1.702 * v))
        }
    }
}

/// Exact GELU `0.5·x·(1 + erf(x/√2))` (PyTorch `GELU()`, transformers' `gelu`, OpenCLIP bigG's
/// MLP), in place, with `fastErf` (absolute error below 5e-7).
public func geluErfInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
    Parallel.forEachChunk(count, minChunk: Parallel.elementwiseGrain) { range in
        for i in range {
            let v = x[i]
            x[i] = 0.5 * v * (1 + fastErf(v * 0.70710678118654752))
        }
    }
}

/// `erf(x)` as a rational function of x (odd degree 13 over even degree 8; the coefficients of
/// Eigen's / XLA's float `erf`), x clamped to [−4, 4] where erf is ±1 in Float32. Branch-free so
/// loops vectorise; absolute error below 5e-7 (measured against `math.erf` on [−6, 6]).
@inlinable @inline(__always)
public func fastErf(_ a: Float) -> Float {
    let x = min(max(a, -4), 4)
    let x2 = x * x
    var p: Float = -2.72614225801306e-10
    p = p * x2 + 2.77068142495902e-08
    p = p * x2 - 2.10102402082508e-06
    p = p * x2 - 5.69250639462346e-05
    p = p * x2 - 7.34990630326855e-04
    p = p * x2 - 2.95459980854025e-03
    p = p * x2 - 1.60960333262415e-02
    var q: Float = -1.45660718464996e-05
    q = q * x2 - 2.13374055278905e-04
    q = q * x2 - 1.68282697438203e-03
    q = q * x2 - 7.37332916720468e-03
    q = q * x2 - 1.42647390514189e-02
    return x * p / q
}

/// QuickGELU of every element.
public func quickGELU(_ x: Tensor) -> Tensor {
    var y = x
    y.scalars.withUnsafeMutableBufferPointer { quickGELUInPlace($0.baseAddress!, count: $0.count) }
    return y
}

/// Exact (erf) GELU of every element.
public func geluErf(_ x: Tensor) -> Tensor {
    var y = x
    y.scalars.withUnsafeMutableBufferPointer { geluErfInPlace($0.baseAddress!, count: $0.count) }
    return y
}

/// Plain double-precision QuickGELU: the test oracle.
public func naiveQuickGELU(_ x: Tensor) -> Tensor {
    Tensor(shape: x.shape, scalars: x.scalars.map { v in Float(Double(v) / (1 + exp(-1.702 * Double(v)))) })
}

/// Plain double-precision exact GELU (libm's `erf`): the test oracle.
public func naiveGeluErf(_ x: Tensor) -> Tensor {
    Tensor(shape: x.shape, scalars: x.scalars.map { v in
        let d = Double(v)
        return Float(0.5 * d * (1 + erf(d / 2.0.squareRoot())))
    })
}
