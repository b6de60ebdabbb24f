// The two object sizes.

/// An object's size: the side of its square bounding box as a fraction of the canvas side.
public enum ShapeSize: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// 0.20 of the canvas (about 6 pixels at 32×32).
    case small
    /// 0.36 of the canvas.
    case large

    /// The bounding-box side as a fraction of the canvas side.
    public var side: Double {
        switch self {
        case .small: 0.20
        case .large: 0.36
        }
    }

    /// The caption word (`small`, `large`).
    public var name: String { rawValue }
    public var description: String { rawValue }
}
