// Captions: the exact text that describes a scene, per the world's grammar (lower case, single
// spaces, no final period; bracketed parts optional):
//
//   one object   a [SIZE] [COLOR] SHAPE [POSITION-PHRASE] [on a BG background]
//   two objects  a COLOR SHAPE [POSITION-PHRASE] and a COLOR SHAPE [POSITION-PHRASE] [on a BG background]
//   a count      NUMBER COLOR SHAPEs [on a BG background]          NUMBER: two, three

/// Which optional parts of a scene's caption are said. Parts that the scene's grammar does not
/// have (a size in a two-object caption, …) are ignored.
public struct CaptionParts: Hashable, Sendable {
    /// One-object scenes: say the size.
    public var size: Bool
    /// One-object scenes: say the colour (mandatory in the other forms).
    public var color: Bool
    /// One- and two-object scenes: say each object's position phrase (index = object index;
    /// missing entries count as `true`).
    public var positions: [Bool]
    /// Say `on a BG background`.
    public var background: Bool

    public init(size: Bool = true, color: Bool = true, positions: [Bool] = [], background: Bool = true) {
        self.size = size
        self.color = color
        self.positions = positions
        self.background = background
    }

    /// Every optional part said: the full caption.
    public static let all = CaptionParts()

    /// Whether object `index`'s position phrase is said.
    public func position(_ index: Int) -> Bool {
        index < positions.count ? positions[index] : true
    }
}

/// Writes captions for scenes.
public enum Caption {
    /// The default probability with which a training caption drops each optional part.
    public static let defaultDropProbability = 0.5

    /// The full caption: every optional part said.
    public static func full(_ scene: Scene) -> String {
        text(scene, parts: .all)
    }

    /// A training caption: each optional part of the scene's grammar (one object: size, colour,
    /// position, background; two objects: each position, background; a count: background) is
    /// dropped independently with probability `dropProbability`.
    public static func sampled(_ scene: Scene, dropProbability: Double = defaultDropProbability,
                               rng: inout ShapesRNG) -> String {
        text(scene, parts: randomParts(for: scene, dropProbability: dropProbability, rng: &rng))
    }

    /// Draws which optional parts to say. The draws are made in a fixed order (size, colour,
    /// positions, background) and only for the parts the scene's grammar has.
    public static func randomParts(for scene: Scene, dropProbability: Double,
                                   rng: inout ShapesRNG) -> CaptionParts {
        var parts = CaptionParts.all
        switch scene.kind {
        case .oneObject:
            parts.size = !rng.chance(dropProbability)
            parts.color = !rng.chance(dropProbability)
            parts.positions = [!rng.chance(dropProbability)]
        case .twoObjects:
            parts.positions = scene.objects.map { _ in !rng.chance(dropProbability) }
        case .count:
            break
        }
        parts.background = !rng.chance(dropProbability)
        return parts
    }

    /// The caption with the chosen optional parts.
    public static func text(_ scene: Scene, parts: CaptionParts) -> String {
        var words: [String] = []
        switch scene.kind {
        case .oneObject:
            precondition(scene.objects.count == 1, "a one-object scene needs one object")
            let object = scene.objects[0]
            var phrase: [String] = []
            if parts.size { phrase.append(object.size.name) }
            if parts.color { phrase.append(object.color.name) }
            phrase.append(object.shape.name)
            words += withArticle(phrase)
            if parts.position(0) { words.append(object.cell.phrase) }
        case .twoObjects:
            precondition(scene.objects.count == 2, "a two-object scene needs two objects")
            for (index, object) in scene.objects.enumerated() {
                if index > 0 { words.append("and") }
                words += withArticle([object.color.name, object.shape.name])
                if parts.position(index) { words.append(object.cell.phrase) }
            }
        case .count:
            precondition((2...3).contains(scene.objects.count), "a count scene needs two or three objects")
            let object = scene.objects[0]
            words += [numberWord(scene.objects.count), object.color.name, object.shape.pluralName]
        }
        if parts.background { words.append(backgroundPhrase(scene.background)) }
        return words.joined(separator: " ")
    }

    /// `on a gray background`.
    public static func backgroundPhrase(_ background: BackgroundColor) -> String {
        (["on"] + withArticle([background.name, "background"])).joined(separator: " ")
    }

    /// `two`, `three`.
    public static func numberWord(_ n: Int) -> String {
        switch n {
        case 2: "two"
        case 3: "three"
        default: preconditionFailure("captions count two or three objects, got \(n)")
        }
    }

    /// `a` or `an` for the word that follows. Every word of this world that starts with a vowel
    /// letter also starts with a vowel sound (only `orange` does), so the letter decides.
    public static func article(before word: String) -> String {
        guard let first = word.first else { return "a" }
        return "aeiou".contains(first) ? "an" : "a"
    }

    /// A noun phrase's words with the right article in front.
    static func withArticle(_ phrase: [String]) -> [String] {
        [article(before: phrase[0])] + phrase
    }
}
