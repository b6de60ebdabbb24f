// The four shapes of the Shapes world and the geometry that decides which pixels they cover.

/// A shape, drawn filled with one flat colour and hard edges inside a square bounding box.
public enum ShapeKind: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// A disc inscribed in the bounding box.
    case circle
    /// The bounding box itself (axis-aligned).
    case square
    /// An isosceles triangle, apex at the top centre of the box, base along the bottom edge
    /// (width = height = the box side).
    case triangle
    /// A square rotated 45°, its corners touching the middles of the box's sides.
    case diamond

    /// The caption word (`circle`, …).
    public var name: String { rawValue }
    /// The plural caption word (`circles`, …): every shape name takes a plain `s`.
    public var pluralName: String { rawValue + "s" }
    public var description: String { rawValue }

    /// True when the point (`dx`, `dy`) relative to the box centre lies inside the shape, for a
    /// box of half-side `half`. `dy` grows downward (image rows). Points on the edge count as
    /// inside. The units are arbitrary but must be the same for all three arguments.
    @inlinable
    public func contains(dx: Double, dy: Double, half: Double) -> Bool {
        switch self {
        case .circle:
            return dx * dx + dy * dy <= half * half
        case .square:
            return abs(dx) <= half && abs(dy) <= half
        case .triangle:
            // Apex at dy = -half, base at dy = +half; the half-width grows from 0 to `half`.
            return dy <= half && abs(dx) <= (dy + half) / 2
        case .diamond:
            return abs(dx) + abs(dy) <= half
        }
    }
}
