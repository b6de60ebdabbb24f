// One object placed in a scene.

/// A filled shape in a scene. The position is resolution independent: the bounding-box centre in
/// fractions of the canvas (x rightward, y downward), which is the cell centre plus a jitter.
public struct SceneObject: Hashable, Sendable {
    public var shape: ShapeKind
    public var color: ObjectColor
    public var size: ShapeSize
    /// The grid cell the object was placed in (and that its caption names).
    public var cell: GridCell
    /// The bounding-box centre's x, fraction of the width.
    public var centerX: Double
    /// The bounding-box centre's y, fraction of the height (downward).
    public var centerY: Double

    /// An object at its cell centre plus a jitter (each component within ±`Scene.maximumJitter`).
    public init(shape: ShapeKind, color: ObjectColor, size: ShapeSize, cell: GridCell,
                jitterX: Double = 0, jitterY: Double = 0) {
        self.shape = shape
        self.color = color
        self.size = size
        self.cell = cell
        centerX = cell.centerX + jitterX
        centerY = cell.centerY + jitterY
    }

    /// The object's (shape, colour) pair.
    public var composition: Composition { Composition(shape, color) }
}
