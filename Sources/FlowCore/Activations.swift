import Foundation

/// GELU with the tanh approximation (PyTorch `GELU(approximate="tanh")`), in place.
@inlinable
public func geluTanhInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
    Parallel.forEachChunk(count, minChunk: 16384) { range in
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
    Parallel.forEachChunk(count, minChunk: 16384) { range in
        for i in range {
            let v = x[i]
            x[i] = v / (1 + fastExp(-v))
        }
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
