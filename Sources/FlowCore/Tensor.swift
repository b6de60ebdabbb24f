import Foundation

// Dimension legend used across FlowStudio:
//   B batch, C channels (latent), H W height/width (latent pixels), T tokens (sequence),
//   D hidden width, Hd heads, Dh head width (64), L text tokens, P patch size.

/// An n-dimensional array of Float32 in row-major (C) order.
///
/// Storage is a Swift array, so a `Tensor` has value semantics (copy on write); ops read and
/// write it through unsafe buffer pointers in their hot loops.
public struct Tensor: Sendable, Equatable {
    /// The size of each axis, outermost first.
    public private(set) var shape: [Int]
    /// The elements in row-major order; `scalars.count == shape.reduce(1, *)`.
    public var scalars: [Float]

    /// A tensor with the given shape and elements (row-major). The counts must agree.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        precondition(shape.reduce(1, *) == scalars.count,
                     "shape \(shape) needs \(shape.reduce(1, *)) elements, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor of the given shape filled with `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, scalars: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.init(repeating: 0, shape: shape)
    }

    /// A tensor whose elements are written by `body` into uninitialised storage of `shape`'s size.
    /// `body` must initialise every element.
    public init(shape: [Int], unsafeUninitialized body: (UnsafeMutableBufferPointer<Float>) -> Void) {
        let n = shape.reduce(1, *)
        let scalars = [Float](unsafeUninitializedCapacity: n) { buffer, count in
            body(buffer)
            count = n
        }
        self.init(shape: shape, scalars: scalars)
    }

    /// A tensor whose elements are not set (for buffers an op overwrites completely): skips the
    /// zero-fill, which costs real time on the tens of megabytes a large forward allocates per block.
    public init(uninitializedShape shape: [Int]) {
        self.init(shape: shape) { _ in }
    }

    /// The number of elements.
    @inlinable public var count: Int { scalars.count }
    /// The number of axes.
    @inlinable public var rank: Int { shape.count }

    /// The same elements viewed with another shape of the same element count.
    /// One axis may be -1 and is then inferred.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            resolved[inferred] = count / known
        }
        return Tensor(shape: resolved, scalars: scalars)
    }

    /// The element at a multi-index (slow; for tests and small lookups).
    public subscript(_ index: Int...) -> Float {
        get { scalars[flatIndex(index)] }
        set { scalars[flatIndex(index)] = newValue }
    }

    private func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index \(index) for shape \(shape)")
        var flat = 0
        for (i, dim) in zip(index, shape) {
            precondition(i >= 0 && i < dim, "index \(index) out of range for shape \(shape)")
            flat = flat * dim + i
        }
        return flat
    }

    /// The largest absolute element (0 for an empty tensor).
    public var maxAbs: Float {
        scalars.reduce(0) { max($0, abs($1)) }
    }

    /// True when every element is finite.
    public var isFinite: Bool {
        scalars.allSatisfy { $0.isFinite }
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = scalars.prefix(6).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor(\(shape), [\(preview)\(count > 6 ? ", …" : "")])"
    }
}

/// Formats a shape as `[a, b, c]` for error messages.
public func describeShape(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
}
