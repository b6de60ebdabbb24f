// What a caller can pin down about a scene before the generator fills in the rest.

/// Constraints on one object of a requested scene; `nil` leaves the attribute free.
public struct ObjectRequest: Hashable, Sendable {
    public var shape: ShapeKind?
    public var color: ObjectColor?
    public var size: ShapeSize?
    public var cell: GridCell?

    public init(shape: ShapeKind? = nil, color: ObjectColor? = nil, size: ShapeSize? = nil, cell: GridCell? = nil) {
        self.shape = shape
        self.color = color
        self.size = size
        self.cell = cell
    }

    /// No constraint.
    public static let any = ObjectRequest()
}

/// Constraints on a whole scene. `SceneGenerator.sample(_:rng:)` draws a scene that satisfies
/// them and the world's rules, with every free attribute uniform over what the rules allow.
public struct SceneRequest: Hashable, Sendable {
    /// The kind of scene.
    public var kind: SceneKind
    /// For `.count`: 2 or 3, or `nil` for either. Ignored for the other kinds.
    public var count: Int?
    /// Per-object constraints in scene order; missing entries are free. For `.count` only the
    /// first entry is used (every object shares its shape and colour, and is small).
    public var objects: [ObjectRequest]
    /// The background, or `nil` for any background the colours allow.
    public var background: BackgroundColor?
    /// Pairs that must not be drawn in any object whose (shape, colour) the request leaves free.
    /// A pair pinned by the request is drawn even when it is listed here.
    public var excluded: HeldOut

    public init(kind: SceneKind, count: Int? = nil, objects: [ObjectRequest] = [],
                background: BackgroundColor? = nil, excluded: HeldOut = .none) {
        self.kind = kind
        self.count = count
        self.objects = objects
        self.background = background
        self.excluded = excluded
    }

    /// The constraint on object `index` (free when not given).
    public func object(_ index: Int) -> ObjectRequest {
        index < objects.count ? objects[index] : .any
    }
}

/// Why a scene request cannot be met.
public enum SceneRequestError: Error, Equatable, CustomStringConvertible {
    /// No (shape, colour) pair or background satisfies the constraints.
    case noComposition(String)
    /// Every placement tried made objects overlap or touch.
    case noPlacement(String)
    /// The request itself breaks a rule (e.g. a count of 4).
    case invalid(String)

    public var description: String {
        switch self {
        case .noComposition(let what):
            "no shape, colour and background satisfy the request (\(what)); relax the pinned attributes or the excluded pairs"
        case .noPlacement(let what):
            "no placement keeps the objects apart (\(what)); free the cells or use smaller sizes"
        case .invalid(let what):
            "invalid scene request: \(what)"
        }
    }
}
