/// Concatenates `[B, T_i, C]` tensors along the token axis → `[B, ΣT_i, C]`.
public func concatTokens(_ parts: [Tensor]) -> Tensor {
    precondition(!parts.isEmpty && parts.allSatisfy { $0.rank == 3 }, "concatTokens needs [B, T, C] tensors")
    let batch = parts[0].shape[0], width = parts[0].shape[2]
    precondition(parts.allSatisfy { $0.shape[0] == batch && $0.shape[2] == width },
                 "concatTokens shapes differ: \(parts.map(\.shape))")
    let total = parts.map { $0.shape[1] }.reduce(0, +)
    var scalars: [Float] = []
    scalars.reserveCapacity(batch * total * width)
    for b in 0..<batch {
        for part in parts {
            let rowCount = part.shape[1] * width
            scalars.append(contentsOf: part.scalars[(b * rowCount)..<((b + 1) * rowCount)])
        }
    }
    return Tensor(shape: [batch, total, width], scalars: scalars)
}

/// Splits `[B, T, C]` along the token axis into parts of the given token counts.
public func splitTokens(_ x: Tensor, sizes: [Int]) -> [Tensor] {
    precondition(x.rank == 3 && sizes.reduce(0, +) == x.shape[1], "splitTokens \(sizes) of \(x.shape)")
    let (batch, tokens, width) = (x.shape[0], x.shape[1], x.shape[2])
    var offset = 0
    return sizes.map { size in
        var scalars: [Float] = []
        scalars.reserveCapacity(batch * size * width)
        for b in 0..<batch {
            let start = (b * tokens + offset) * width
            scalars.append(contentsOf: x.scalars[start..<(start + size * width)])
        }
        offset += size
        return Tensor(shape: [batch, size, width], scalars: scalars)
    }
}

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
