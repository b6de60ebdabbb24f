// A complete scene: what is drawn, and what its caption describes.

/// The three kinds of scene the world draws.
public enum SceneKind: String, CaseIterable, Hashable, Sendable {
    /// One object: shape, colour, size, position, background.
    case oneObject
    /// Two objects with different (shape, colour) pairs, in different cells.
    case twoObjects
    /// Two or three small objects of the same shape and colour, in distinct cells.
    case count
}

/// A scene: a background and its objects, in drawing (and caption) order.
public struct Scene: Hashable, Sendable {
    /// The largest jitter of an object's centre from its cell centre, per axis (fraction of the
    /// canvas).
    public static let maximumJitter = 0.03

    public var kind: SceneKind
    public var background: BackgroundColor
    public var objects: [SceneObject]

    public init(kind: SceneKind, background: BackgroundColor, objects: [SceneObject]) {
        self.kind = kind
        self.background = background
        self.objects = objects
    }

    /// The reasons this scene breaks the world's rules, empty when it follows them: object
    /// counts and sizes per kind, distinct pairs and cells, jitter bounds, and background
    /// contrast. Pixel separation depends on the canvas size: see `ShapeRenderer.objectsTouch`.
    public var ruleViolations: [String] {
        var problems: [String] = []
        switch kind {
        case .oneObject:
            if objects.count != 1 { problems.append("a one-object scene has \(objects.count) objects") }
        case .twoObjects:
            if objects.count != 2 {
                problems.append("a two-object scene has \(objects.count) objects")
            } else if objects[0].composition == objects[1].composition {
                problems.append("both objects are \(objects[0].composition)s")
            }
        case .count:
            if !(2...3).contains(objects.count) { problems.append("a count scene has \(objects.count) objects") }
            if Set(objects.map(\.composition)).count > 1 { problems.append("a count scene mixes compositions") }
            if objects.contains(where: { $0.size != .small }) { problems.append("a count scene has a large object") }
        }
        if Set(objects.map(\.cell)).count != objects.count {
            problems.append("two objects share a cell")
        }
        for object in objects {
            if abs(object.centerX - object.cell.centerX) > Scene.maximumJitter + 1e-12
                || abs(object.centerY - object.cell.centerY) > Scene.maximumJitter + 1e-12 {
                problems.append("the \(object.composition) is jittered more than \(Scene.maximumJitter) from its cell centre")
            }
            if !ShapesPalette.allows(object.color, on: background) {
                problems.append("\(object.color) is within \(ShapesPalette.minimumContrast) of the \(background) background")
            }
        }
        return problems
    }
}
