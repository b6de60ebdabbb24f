/// A heap buffer of Float32 that frees itself: activations, tapes and gradients of the
/// llm.c-style layers. Zero-filled unless made `uninitialized` (for buffers an op overwrites).
public final class FloatBuffer: @unchecked Sendable {
    /// The first element.
    public let p: UnsafeMutablePointer<Float>
    /// Elements.
    public let count: Int

    /// `count` zeros.
    public init(_ count: Int) {
        self.count = count
        p = .allocate(capacity: max(count, 1))
        p.initialize(repeating: 0, count: max(count, 1))
    }

    /// `count` elements that the caller overwrites before reading (skips the zero-fill, which
    /// costs real time on the tens of megabytes a large forward allocates per block).
    public init(uninitialized count: Int) {
        self.count = count
        p = .allocate(capacity: max(count, 1))
    }

    /// A copy of `tensor`'s elements.
    public convenience init(_ tensor: Tensor) {
        self.init(uninitialized: tensor.count)
        tensor.scalars.withUnsafeBufferPointer { if let base = $0.baseAddress { p.update(from: base, count: $0.count) } }
    }

    deinit { p.deallocate() }

    /// Sets every element to 0.
    public func zero() { p.update(repeating: 0, count: count) }

    /// The elements as a tensor of `shape` (a copy).
    public func tensor(_ shape: [Int]) -> Tensor {
        precondition(shape.reduce(1, *) == count, "buffer of \(count) viewed as \(shape)")
        return Tensor(shape: shape, scalars: Array(UnsafeBufferPointer(start: p, count: count)))
    }
}
