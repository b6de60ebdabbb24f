// Compositions kept out of training, to measure whether a model composes attributes it never
// saw together.

/// A set of (shape, colour) pairs that the training generator never draws, in any object of any
/// scene. Evaluation draws and prompts them on purpose (see `SceneGenerator.heldOutExample(at:)`
/// and `EvalPromptSet.heldOut`).
public struct HeldOut: Hashable, Sendable, CustomStringConvertible {
    /// The held-out pairs.
    public var compositions: Set<Composition>

    public init(_ compositions: Set<Composition>) {
        self.compositions = compositions
    }

    /// Nothing held out.
    public static let none = HeldOut([])

    /// The bundled model's held-out set: every green triangle and every purple square. Each of
    /// these shapes and colours still appears in training in other pairs (a triangle in seven
    /// colours, green on three other shapes, …); triangles and squares are the shapes the
    /// checker reads most reliably, so a miss is the model's and not the checker's.
    public static let standard = HeldOut([Composition(.triangle, .green), Composition(.square, .purple)])

    /// True when the pair is held out.
    public func contains(_ composition: Composition) -> Bool {
        compositions.contains(composition)
    }

    /// True when the pair is held out.
    public func contains(_ shape: ShapeKind, _ color: ObjectColor) -> Bool {
        compositions.contains(Composition(shape, color))
    }

    /// The held-out pairs in a fixed order (shape-major, palette order).
    public var sorted: [Composition] {
        Composition.all.filter(compositions.contains)
    }

    /// The pairs training may draw, in a fixed order.
    public var allowed: [Composition] {
        Composition.all.filter { !compositions.contains($0) }
    }

    public var description: String {
        sorted.isEmpty ? "nothing" : sorted.map(\.description).joined(separator: ", ")
    }
}
