// A (shape, colour) pair: the unit that two-object scenes keep distinct and that held-out sets
// name.

/// A shape in a colour, e.g. a green triangle.
public struct Composition: Hashable, Sendable, CustomStringConvertible {
    public var shape: ShapeKind
    public var color: ObjectColor

    public init(_ shape: ShapeKind, _ color: ObjectColor) {
        self.shape = shape
        self.color = color
    }

    /// All 32 compositions, shape-major in declaration order.
    public static let all: [Composition] = ShapeKind.allCases.flatMap { shape in
        ObjectColor.allCases.map { Composition(shape, $0) }
    }

    /// `green triangle`.
    public var description: String { "\(color.name) \(shape.name)" }
}
