import Testing
@testable import ShapesWorld

struct CaptionTests {
    static func one(_ shape: ShapeKind, _ color: ObjectColor, _ size: ShapeSize, _ cell: GridCell,
                    on background: BackgroundColor) -> Scene {
        Scene(kind: .oneObject, background: background,
              objects: [SceneObject(shape: shape, color: color, size: size, cell: cell)])
    }

    @Test func oneObjectGrammar() {
        let scene = Self.one(.circle, .red, .small, .topLeft, on: .black)
        #expect(Caption.full(scene) == "a small red circle at the top left on a black background")
        let orange = Self.one(.square, .orange, .large, .center, on: .beige)
        #expect(Caption.text(orange, parts: CaptionParts(size: false, positions: [false], background: false)) == "an orange square")
        #expect(Caption.text(orange, parts: CaptionParts(positions: [false], background: false)) == "a large orange square")
        #expect(Caption.text(orange, parts: CaptionParts(size: false, color: false, positions: [false])) == "a square on a beige background")
        #expect(Caption.full(orange) == "a large orange square in the center on a beige background")
        #expect(Caption.text(orange, parts: CaptionParts(size: false, color: false, positions: [false], background: false)) == "a square")
    }

    @Test func positionPhrases() {
        let phrases = GridCell.allCases.map(\.phrase)
        #expect(phrases == ["at the top left", "at the top", "at the top right", "on the left", "in the center",
                            "on the right", "at the bottom left", "at the bottom", "at the bottom right"])
    }

    @Test func countGrammar() {
        let scene = Scene(kind: .count, background: .gray, objects: [
            SceneObject(shape: .triangle, color: .blue, size: .small, cell: .topLeft),
            SceneObject(shape: .triangle, color: .blue, size: .small, cell: .bottomRight),
        ])
        #expect(Caption.full(scene) == "two blue triangles on a gray background")
        #expect(Caption.text(scene, parts: CaptionParts(background: false)) == "two blue triangles")
        var three = scene
        three.objects.append(SceneObject(shape: .triangle, color: .blue, size: .small, cell: .top))
        three.objects = three.objects.map { var o = $0; o.shape = .circle; o.color = .orange; return o }
        #expect(Caption.full(three) == "three orange circles on a gray background")
    }

    @Test func twoObjectGrammar() {
        let scene = Scene(kind: .twoObjects, background: .navy, objects: [
            SceneObject(shape: .circle, color: .orange, size: .large, cell: .left),
            SceneObject(shape: .diamond, color: .yellow, size: .small, cell: .topRight),
        ])
        #expect(Caption.full(scene) == "an orange circle on the left and a yellow diamond at the top right on a navy background")
        #expect(Caption.text(scene, parts: CaptionParts(positions: [false, true], background: false))
                == "an orange circle and a yellow diamond at the top right")
        // Colours are mandatory in two-object captions, and sizes are never said.
        #expect(Caption.text(scene, parts: CaptionParts(size: false, color: false, positions: [false, false], background: false))
                == "an orange circle and a yellow diamond")
    }

    @Test func droppedPartsFollowTheProbability() {
        let scene = Self.one(.diamond, .green, .large, .bottom, on: .gray)
        var rng = ShapesRNG(seed: 1)
        #expect(Caption.sampled(scene, dropProbability: 0, rng: &rng) == Caption.full(scene))
        #expect(Caption.sampled(scene, dropProbability: 1, rng: &rng) == "a diamond")
        var sizeSaid = 0, backgroundSaid = 0
        let trials = 4000
        for _ in 0..<trials {
            let caption = Caption.sampled(scene, rng: &rng)
            #expect(caption.hasPrefix("a ") && caption.contains("diamond"))
            if caption.contains("large") { sizeSaid += 1 }
            if caption.contains("background") { backgroundSaid += 1 }
        }
        // Binomial(4000, 0.5): standard deviation ≈ 32; allow 5 σ.
        #expect(abs(sizeSaid - trials / 2) < 160)
        #expect(abs(backgroundSaid - trials / 2) < 160)
    }

    @Test func captionsAreWellFormedAndUseOnlyTheVocabulary() throws {
        let vocabulary = Set(Caption.vocabulary)
        #expect(Caption.vocabulary == Caption.vocabulary.sorted())
        #expect(vocabulary.count == Caption.vocabulary.count)
        var used = Set<String>()
        let generator = try SceneGenerator(seed: 3, config: { var c = SceneGeneratorConfig(); c.heldOut = .none; return c }())
        for index in 0..<1500 {
            let example = generator.example(at: index)
            for caption in [example.caption, example.fullCaption] {
                #expect(caption == caption.lowercased())
                #expect(!caption.contains("  ") && !caption.hasPrefix(" ") && !caption.hasSuffix(" ") && !caption.hasSuffix("."))
                let words = caption.split(separator: " ").map(String.init)
                #expect(words.allSatisfy(vocabulary.contains))
                used.formUnion(words)
                // `an` exactly before words starting with a vowel.
                for (word, next) in zip(words, words.dropFirst()) where word == "a" || word == "an" {
                    #expect((word == "an") == "aeiou".contains(next.first!))
                }
            }
        }
        #expect(used == vocabulary) // every vocabulary word does occur
        #expect(Caption.vocabulary == [
            "a", "an", "and", "at", "background", "beige", "black", "blue", "bottom", "center", "circle", "circles",
            "cyan", "diamond", "diamonds", "gray", "green", "in", "large", "left", "navy", "on", "orange", "purple",
            "red", "right", "small", "square", "squares", "the", "three", "top", "triangle", "triangles", "two",
            "white", "yellow",
        ])
    }
}
