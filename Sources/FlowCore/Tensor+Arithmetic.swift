/// Elementwise sum of tensors of the same shape.
public func + (lhs: Tensor, rhs: Tensor) -> Tensor {
    precondition(lhs.shape == rhs.shape, "add shapes \(lhs.shape) and \(rhs.shape)")
    var y = lhs
    y.scalars.withUnsafeMutableBufferPointer { py in
        rhs.scalars.withUnsafeBufferPointer { pr in
            Parallel.forEachChunk(py.count, minChunk: Parallel.elementwiseGrain) { r in
                for i in r { py[i] += pr[i] }
            }
        }
    }
    return y
}

/// Elementwise difference of tensors of the same shape.
public func - (lhs: Tensor, rhs: Tensor) -> Tensor {
    precondition(lhs.shape == rhs.shape, "subtract shapes \(lhs.shape) and \(rhs.shape)")
    var y = lhs
    for i in y.scalars.indices { y.scalars[i] -= rhs.scalars[i] }
    return y
}

/// Scales every element.
public func * (lhs: Float, rhs: Tensor) -> Tensor {
    var y = rhs
    for i in y.scalars.indices { y.scalars[i] *= lhs }
    return y
}
