// Reductions with vector accumulators. A plain `for` loop that adds into one Float is never
// vectorised (floating-point addition is not associative, so the compiler keeps the order);
// these keep 8 partial results in one AVX register and combine them at the end, which changes
// the rounding a little and runs several times faster. (SIMD16 spills to the stack on AVX2, and
// `pointwiseMax` is slow, hence SIMD8 and a compare-and-select.)

/// Σ x[i] for i < count.
@inlinable
public func vectorSum(_ x: UnsafePointer<Float>, count: Int) -> Float {
    var acc = SIMD8<Float>(repeating: 0)
    var i = 0
    let raw = UnsafeRawPointer(x)
    while i + 8 <= count {
        acc += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        i += 8
    }
    var sum = (acc[0] + acc[4]) + (acc[1] + acc[5]) + (acc[2] + acc[6]) + (acc[3] + acc[7])
    while i < count { sum += x[i]; i += 1 }
    return sum
}

/// Σ x[i]·y[i] for i < count.
@inlinable
public func vectorDot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
    var acc = SIMD8<Float>(repeating: 0)
    var i = 0
    let rx = UnsafeRawPointer(x), ry = UnsafeRawPointer(y)
    while i + 8 <= count {
        acc += rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            * ry.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        i += 8
    }
    var sum = (acc[0] + acc[4]) + (acc[1] + acc[5]) + (acc[2] + acc[6]) + (acc[3] + acc[7])
    while i < count { sum += x[i] * y[i]; i += 1 }
    return sum
}

/// max x[i] for i < count (−∞ for an empty range).
@inlinable
public func vectorMax(_ x: UnsafePointer<Float>, count: Int) -> Float {
    var acc = SIMD8<Float>(repeating: -.infinity)
    var i = 0
    let raw = UnsafeRawPointer(x)
    while i + 8 <= count {
        let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        acc.replace(with: v, where: v .> acc)
        i += 8
    }
    var m = -Float.infinity
    for lane in 0..<8 { m = max(m, acc[lane]) }
    while i < count { m = max(m, x[i]); i += 1 }
    return m
}
