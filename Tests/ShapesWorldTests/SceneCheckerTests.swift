import FlowCore
import Testing
@testable import ShapesWorld

struct SceneCheckerTests {
    /// Scores `perCategory` prompts of each category on images of scenes drawn to satisfy them.
    static func accuracy(size: Int, perCategory: Int, seed: UInt64) throws -> [EvalCategory: Double] {
        let generator = try SceneGenerator(seed: seed)
        let checker = SceneChecker()
        let prompts = EvalPromptSet.builtIn(count: perCategory * 6, heldOut: .none, seed: seed)
        var correct: [EvalCategory: Int] = [:]
        for (index, prompt) in prompts.enumerated() {
            let scene = try generator.scene(for: prompt, seed: seed &+ UInt64(index))
            let verdict = checker.score(prompt, image: ShapeRenderer.render(scene, size: size))
            if verdict.correct { correct[prompt.category, default: 0] += 1 }
        }
        return correct.mapValues { Double($0) / Double(perCategory) }
    }

    @Test(arguments: [32, 64])
    func scoresTheGeneratorsOwnImages(size: Int) throws {
        let scores = try Self.accuracy(size: size, perCategory: 300, seed: UInt64(size))
        for category in EvalCategory.allCases {
            #expect(scores[category, default: 0] >= 0.99, "\(category) at \(size): \(scores[category, default: 0])")
        }
    }

    @Test(arguments: [32, 64])
    func readsEveryShapeAndSizeAtJitteredPositions(size: Int) {
        var rng = ShapesRNG(seed: UInt64(size))
        let checker = SceneChecker()
        for shape in ShapeKind.allCases {
            for objectSize in ShapeSize.allCases {
                var correct = 0
                for _ in 0..<150 {
                    let cell = rng.pick(GridCell.allCases)
                    let object = SceneObject(shape: shape, color: rng.pick(ObjectColor.allCases), size: objectSize, cell: cell,
                                             jitterX: rng.uniform(-0.03, 0.03), jitterY: rng.uniform(-0.03, 0.03))
                    let scene = Scene(kind: .oneObject, background: rng.pick(BackgroundColor.allCases), objects: [object])
                    let found = checker.analyze(ShapeRenderer.render(scene, size: size))
                    if found.objects.count == 1, found.objects[0].composition == object.composition,
                       found.objects[0].cell == cell, found.background == scene.background {
                        correct += 1
                    }
                }
                #expect(correct == 150, "\(objectSize) \(shape) at \(size): \(correct)/150")
            }
        }
    }

    @Test func verdictsFollowTheTable() {
        let checker = SceneChecker()
        let scene = Scene(kind: .twoObjects, background: .gray, objects: [
            SceneObject(shape: .circle, color: .red, size: .large, cell: .topLeft),
            SceneObject(shape: .square, color: .blue, size: .small, cell: .bottomRight),
        ])
        let image = ShapeRenderer.render(scene, size: 48)
        let red = Composition(.circle, .red), blue = Composition(.square, .blue)
        #expect(checker.score(EvalPrompt(.twoObjects(blue, red)), image: image)
                == EvalVerdict(correct: true, reason: "a blue square and a red circle"))
        #expect(!checker.score(EvalPrompt(.twoObjects(red, Composition(.square, .cyan))), image: image).correct)
        #expect(!checker.score(EvalPrompt(.shape(.circle)), image: image).correct) // two objects, not one
        #expect(checker.score(EvalPrompt(.shape(.circle)), image: image).reason.contains("expected exactly 1"))
        #expect(!checker.score(EvalPrompt(.counting(2, red)), image: image).correct)
        #expect(checker.score(EvalPrompt(.background(.gray, object: Composition(.diamond, .green))), image: image).correct)
        #expect(!checker.score(EvalPrompt(.background(.navy, object: red)), image: image).correct)

        let one = Scene(kind: .oneObject, background: .black, objects: [SceneObject(shape: .triangle, color: .green, size: .small, cell: .right)])
        let oneImage = ShapeRenderer.render(one, size: 32)
        let green = Composition(.triangle, .green)
        #expect(checker.score(EvalPrompt(.shape(.triangle)), image: oneImage).correct)
        #expect(checker.score(EvalPrompt(.color(green)), image: oneImage).correct)
        #expect(!checker.score(EvalPrompt(.color(Composition(.triangle, .cyan))), image: oneImage).correct)
        #expect(checker.score(EvalPrompt(.position(green, .right)), image: oneImage).correct)
        let wrongCell = checker.score(EvalPrompt(.position(green, .left)), image: oneImage)
        #expect(!wrongCell.correct && wrongCell.reason.contains("is at right"))
    }

    @Test func specksAndNoiseAreIgnored() {
        let scene = Scene(kind: .count, background: .navy, objects: [
            SceneObject(shape: .diamond, color: .yellow, size: .small, cell: .top, jitterX: 0.01),
            SceneObject(shape: .diamond, color: .yellow, size: .small, cell: .bottom, jitterY: -0.02),
        ])
        var image = ShapeRenderer.render(scene, size: 32)
        // Two stray pixels far from the objects, and mild noise everywhere.
        image[x: 3, y: 16] = RGB(250, 250, 250)
        image[x: 28, y: 20] = RGB(200, 30, 30)
        image[x: 29, y: 20] = RGB(200, 30, 30)
        var rng = ShapesRNG(seed: 4)
        for i in image.pixels.indices {
            image.pixels[i] = UInt8(max(0, min(255, Int(image.pixels[i]) + rng.below(21) - 10)))
        }
        let found = SceneChecker().analyze(image)
        #expect(found.background == .navy)
        #expect(found.ignoredSpecks == 2)
        #expect(found.objects.map(\.composition) == [Composition(.diamond, .yellow), Composition(.diamond, .yellow)])
        #expect(SceneChecker().score(EvalPrompt(.counting(2, Composition(.diamond, .yellow))), image: image).correct)
    }

    /// Generated images are never exact: with every channel off by up to ±30 (uniform), a pixel
    /// is still classed by the colour it is nearer to, so the readings do not change.
    @Test func toleratesChannelNoise() throws {
        let generator = try SceneGenerator(seed: 21)
        let checker = SceneChecker()
        var rng = ShapesRNG(seed: 22)
        for (index, prompt) in EvalPromptSet.builtIn(count: 48, heldOut: .none, seed: 3).enumerated() {
            let scene = try generator.scene(for: prompt, seed: UInt64(index))
            var image = ShapeRenderer.render(scene, size: 64)
            for i in image.pixels.indices {
                image.pixels[i] = UInt8(max(0, min(255, Int(image.pixels[i]) + rng.below(61) - 30)))
            }
            let verdict = checker.score(prompt, image: image)
            #expect(verdict.correct, "\(prompt): \(verdict)")
        }
    }

    @Test func readsImagesOfAnySizeFromSixteen() throws {
        let generator = try SceneGenerator(seed: 1)
        let scene = try generator.scene(for: EvalPrompt(.color(Composition(.square, .purple))), seed: 2)
        for size in [16, 24, 100] {
            let found = SceneChecker().analyze(ShapeRenderer.render(scene, size: size))
            #expect(found.objects.map(\.composition) == [Composition(.square, .purple)])
        }
    }
}
