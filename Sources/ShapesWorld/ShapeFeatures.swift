// Telling shapes apart from a region's pixels: how much of its bounding box it fills, where its
// widest row is, and how far it reaches along the diagonals.

/// Measurements of a region that decide its shape.
///
/// Ideal values (continuous shapes):
///
/// | shape    | fill of the box | widest row | diagonal extent |
/// |----------|-----------------|------------|-----------------|
/// | square   | 1               | all rows   | 2               |
/// | circle   | π/4 ≈ 0.785     | middle     | √2 ≈ 1.41       |
/// | diamond  | 1/2             | middle     | 1               |
/// | triangle | 1/2             | bottom     | 1.5             |
///
/// The pixel grid moves these a lot for small shapes. Measured over 3000 jittered renders each,
/// at 32×32 a small circle (6.4 px) fills 0.673–0.889 of its box and a small diamond
/// 0.510–0.667, so fill alone leaves almost no margin; their diagonal extents are 1.286–1.500
/// and 1.000–1.167. The sum `fill + diagonalExtent` separates them with a margin of 0.13
/// (circle ≥ 1.959, diamond ≤ 1.833) at 32×32 and of at least 0.44 at 64×64.
public struct ShapeFeatures: Hashable, Sendable {
    /// Region pixels / bounding-box pixels.
    public var fill: Double
    /// Where the widest row is, 0 = top edge of the box, 1 = bottom edge: the mean centre of the
    /// rows whose pixel count equals the maximum, divided by the box height.
    public var widestRow: Double
    /// The region's extent along the two diagonals (the spans of x + y and of x − y over its
    /// pixels, each counted in pixels like a width), averaged and divided by the mean of the
    /// box's width and height.
    public var diagonalExtent: Double

    public init(fill: Double, widestRow: Double, diagonalExtent: Double) {
        self.fill = fill
        self.widestRow = widestRow
        self.diagonalExtent = diagonalExtent
    }

    /// Above this widest-row position a region is a triangle (measured: triangles 0.83–0.98,
    /// every other shape 0.42–0.58)…
    public static let triangleWidestRow = 0.7
    /// …provided it fills less than this of its box (triangles fill at most 0.67), so that a
    /// square or circle with one ragged wide bottom row is not taken for a triangle.
    public static let triangleMaximumFill = 0.8
    /// At or above this `roundness` a region is a square (measured: squares ≥ 2.83, circles
    /// ≤ 2.44; after a 3×3 box blur at 64×64, small squares ≥ 2.58 and circles ≤ 2.50).
    public static let squareRoundness = 2.55
    /// At or above this `roundness` a non-square region is a circle, below it a diamond
    /// (measured at 32×32: circles ≥ 1.959, diamonds ≤ 1.833).
    public static let circleRoundness = 1.89

    /// `fill + diagonalExtent`: about 3 for a square, 2.2 for a circle, 1.5 for a diamond.
    public var roundness: Double { fill + diagonalExtent }

    /// The shape these measurements indicate: a triangle when the widest row is at the bottom
    /// (and the box is not nearly full); otherwise square, circle or diamond by `roundness`.
    public var shape: ShapeKind {
        if widestRow > Self.triangleWidestRow && fill < Self.triangleMaximumFill { return .triangle }
        if roundness >= Self.squareRoundness { return .square }
        return roundness >= Self.circleRoundness ? .circle : .diamond
    }
}
