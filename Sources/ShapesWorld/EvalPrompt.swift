// Evaluation prompts in the spirit of GenEval (Ghosh et al. 2023): each names what must be true
// of the generated image, and `SceneChecker` scores it 1 or 0.

/// The six evaluation categories.
public enum EvalCategory: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case shape, color, position
    case twoObjects = "two_objects"
    case counting, background

    /// The category's report name (`two_objects`, …).
    public var description: String { rawValue }
}

/// What an evaluation prompt says, and therefore what the checker compares. Per category
/// (spec table):
/// - `shape(S)`: exactly one object, of shape S.
/// - `color(P)`: exactly one object, of P's shape and colour.
/// - `position(P, cell)`: exactly one object, of P's shape and colour, in `cell`.
/// - `twoObjects(P, Q)`: exactly two objects, one P and one Q.
/// - `counting(n, P)`: exactly n objects, all P.
/// - `background(B, object: P)`: the background is B. The object is part of the text (`a red
///   circle on a gray background`) and is drawn by `SceneGenerator.scene(for:seed:)`, but only
///   the background is scored.
public enum EvalExpectation: Hashable, Sendable {
    case shape(ShapeKind)
    case color(Composition)
    case position(Composition, GridCell)
    case twoObjects(Composition, Composition)
    case counting(Int, Composition)
    case background(BackgroundColor, object: Composition)

    /// The category this expectation belongs to.
    public var category: EvalCategory {
        switch self {
        case .shape: .shape
        case .color: .color
        case .position: .position
        case .twoObjects: .twoObjects
        case .counting: .counting
        case .background: .background
        }
    }

    /// The prompt text, per the caption grammar (`a circle`, `an orange square`, `a red circle
    /// at the top left`, `a red circle and a blue square`, `two blue triangles`, `a red circle on
    /// a gray background`).
    public var text: String {
        func noun(_ pair: Composition) -> String {
            Caption.withArticle([pair.color.name, pair.shape.name]).joined(separator: " ")
        }
        switch self {
        case .shape(let shape):
            return Caption.withArticle([shape.name]).joined(separator: " ")
        case .color(let pair):
            return noun(pair)
        case .position(let pair, let cell):
            return noun(pair) + " " + cell.phrase
        case .twoObjects(let first, let second):
            return noun(first) + " and " + noun(second)
        case .counting(let n, let pair):
            return "\(Caption.numberWord(n)) \(pair.color.name) \(pair.shape.pluralName)"
        case .background(let background, let object):
            return noun(object) + " " + Caption.backgroundPhrase(background)
        }
    }

    /// The compositions the prompt names (for held-out bookkeeping).
    public var compositions: [Composition] {
        switch self {
        case .shape: []
        case .color(let pair), .position(let pair, _), .counting(_, let pair), .background(_, let pair): [pair]
        case .twoObjects(let first, let second): [first, second]
        }
    }

    /// The constraints of a scene that satisfies the prompt: what the text says is pinned,
    /// everything else is free (held-out pairs included).
    public var sceneRequest: SceneRequest {
        switch self {
        case .shape(let shape):
            return SceneRequest(kind: .oneObject, objects: [ObjectRequest(shape: shape)])
        case .color(let pair):
            return SceneRequest(kind: .oneObject, objects: [ObjectRequest(shape: pair.shape, color: pair.color)])
        case .position(let pair, let cell):
            return SceneRequest(kind: .oneObject,
                                objects: [ObjectRequest(shape: pair.shape, color: pair.color, cell: cell)])
        case .twoObjects(let first, let second):
            return SceneRequest(kind: .twoObjects, objects: [
                ObjectRequest(shape: first.shape, color: first.color),
                ObjectRequest(shape: second.shape, color: second.color),
            ])
        case .counting(let n, let pair):
            return SceneRequest(kind: .count, count: n, objects: [ObjectRequest(shape: pair.shape, color: pair.color)])
        case .background(let background, let pair):
            return SceneRequest(kind: .oneObject, objects: [ObjectRequest(shape: pair.shape, color: pair.color)],
                                background: background)
        }
    }
}

/// One evaluation prompt.
public struct EvalPrompt: Hashable, Sendable, CustomStringConvertible {
    public var category: EvalCategory
    /// The prompt given to the model.
    public var text: String
    /// What must be true of the image; `SceneChecker` compares against it.
    public var expected: EvalExpectation
    /// True when the prompt names a composition held out of training.
    public var isHeldOut: Bool

    /// A prompt whose category and text follow from what it expects.
    public init(_ expected: EvalExpectation, isHeldOut: Bool = false) {
        category = expected.category
        text = expected.text
        self.expected = expected
        self.isHeldOut = isHeldOut
    }

    public var description: String {
        "[\(category)\(isHeldOut ? ", held out" : "")] \(text)"
    }
}
