// What the checker reads from an image.

/// One object found by `SceneChecker`: an 8-connected region that differs from the background.
public struct DetectedObject: Hashable, Sendable {
    public var shape: ShapeKind
    public var color: ObjectColor
    public var cell: GridCell
    /// The number of pixels in the region.
    public var pixelCount: Int
    /// The region's bounding box in pixels: first column, first row, width, height.
    public var boxX: Int, boxY: Int, boxWidth: Int, boxHeight: Int
    /// The mean colour the palette colour was read from (0–255 per channel; over the interior
    /// pixels when there are at least three, else over the whole region).
    public var meanRed: Double, meanGreen: Double, meanBlue: Double
    /// The measurements the shape was decided from.
    public var features: ShapeFeatures

    /// The region's (shape, colour) pair.
    public var composition: Composition { Composition(shape, color) }
}

/// The checker's reading of a whole image.
public struct DetectedScene: Hashable, Sendable, CustomStringConvertible {
    /// The background palette entry nearest to the dominant border colour.
    public var background: BackgroundColor
    /// The objects, in the order their first pixel is met scanning rows top to bottom.
    public var objects: [DetectedObject]
    /// Regions too small to count as objects (noise).
    public var ignoredSpecks: Int
    /// The fraction of pixels close to the background colour (within 3× the foreground
    /// threshold). Every drawn scene leaves most of the canvas as background (≥ 70%); a
    /// noisy or garbled image does not, and is then not read as a scene at all.
    public var backgroundFraction: Double = 1

    /// `2 objects (red circle at top left, blue square at center) on gray`.
    public var description: String {
        let list = objects.map { "\($0.composition) at \($0.cell)" }.joined(separator: ", ")
        let noun = objects.count == 1 ? "object" : "objects"
        return "\(objects.count) \(noun)\(objects.isEmpty ? "" : " (\(list))") on \(background)"
    }
}

/// A 1-or-0 score with the reason, e.g. `found 2 objects, expected exactly 1`.
public struct EvalVerdict: Hashable, Sendable, CustomStringConvertible {
    public var correct: Bool
    public var reason: String

    public init(correct: Bool, reason: String) {
        self.correct = correct
        self.reason = reason
    }

    public var description: String { (correct ? "correct: " : "wrong: ") + reason }
}
