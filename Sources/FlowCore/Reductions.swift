// Reductions with vector accumulators. A plain `for` loop that adds into one Float is never
// vectorised (floating-point addition is not associative, so the compiler keeps the order);
// these keep 16 partial results and combine them at the end, which changes the rounding a
// little and runs ~10× faster.

/// Σ x[i] for i < count.
@inlinable
public func vectorSum(_ x: UnsafePointer<Float>, count: Int) -> Float {
    var acc = SIMD16<Float>(repeating: 0)
    var i = 0
    let raw = UnsafeRawPointer(x)
    while i + 16 <= count {
        acc += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
        i += 16
    }
    var sum = acc.sum()
    while i < count { sum += x[i]; i += 1 }
    return sum
}

/// Σ x[i]·y[i] for i < count.
@inlinable
public func vectorDot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
    var acc = SIMD16<Float>(repeating: 0)
    var i = 0
    let rx = UnsafeRawPointer(x), ry = UnsafeRawPointer(y)
    while i + 16 <= count {
        acc += rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            * ry.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
        i += 16
    }
    var sum = acc.sum()
    while i < count { sum += x[i] * y[i]; i += 1 }
    return sum
}

/// max x[i] for i < count (−∞ for an empty range).
@inlinable
public func vectorMax(_ x: UnsafePointer<Float>, count: Int) -> Float {
    var acc = SIMD16<Float>(repeating: -.infinity)
    var i = 0
    let raw = UnsafeRawPointer(x)
    while i + 16 <= count {
        acc = pointwiseMax(acc, raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self))
        i += 16
    }
    var m = acc.max()
    while i < count { m = max(m, x[i]); i += 1 }
    return m
}
