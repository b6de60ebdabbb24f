import FlowCore
import Foundation
import Testing
import Generation
import Imaging
import RectifiedFlow
import ShapesWorld
@testable import Evaluation

/// A "model" that draws exactly what each evaluation prompt asks for: the evaluation must give it
/// (nearly) full marks, so that a low score for a real model means the model, not the harness.
final class PerfectShapesGenerator: ImageGenerator, @unchecked Sendable {
    let generator = try! SceneGenerator(seed: 3)
    var modelName: String { "perfect" }
    var modelSummary: String { "draws the prompt" }
    var modelHash: String { "0" }
    var supportedSizes: [(width: Int, height: Int)] { [(64, 64)] }
    var defaultSettings: GenerationSettings { GenerationSettings(prompt: "", steps: 1, cfgScale: 1, seed: 0, shift: 1, width: 64, height: 64) }
    func ignoredWords(in prompt: String) -> IgnoredWords { IgnoredWords() }
    func generate(_ settings: GenerationSettings, interrupt: () -> Bool,
                         onStep: (GenerationProgress) -> Bool) throws -> GenerationResult? {
        let prompt = try ShapesEvaluation.prompts(fromFile: settings.prompt)[0]
        let scene = try generator.scene(for: prompt, seed: settings.seed)
        let drawn = ShapeRenderer.render(scene, size: 64)
        return GenerationResult(image: RGBImage(width: 64, height: 64, pixels: drawn.pixels), settings: settings, seconds: 0)
    }
}

@Suite struct ShapesEvaluationTests {
    @Test func aModelThatDrawsThePromptScoresFullMarks() throws {
        let prompts = ShapesEvaluation.builtInPrompts(count: 60, includeHeldOut: true)
        let report = try ShapesEvaluation.run(PerfectShapesGenerator(), prompts: prompts,
                                              settings: PerfectShapesGenerator().defaultSettings)
        #expect(report.items.count == prompts.count)
        #expect(report.categoryScores.count == 6)
        #expect(report.overall >= 0.99)
        #expect((report.heldOut?.score ?? 0) >= 0.99)
        let sheet = ShapesEvaluation.contactSheet(report)
        #expect(sheet.width > 64 * 2 && sheet.height > 64 * 2)
    }

    @Test func promptFilesAcceptOnlyShapesPrompts() throws {
        let prompts = try ShapesEvaluation.prompts(fromFile: "# comment\na red circle\n\ntwo blue squares\n")
        #expect(prompts.map(\.category) == [.color, .counting])
        #expect(throws: EvaluationError.invalidPrompt(line: 1, text: "a dog on a sofa")) { try ShapesEvaluation.prompts(fromFile: "a dog on a sofa") }
        #expect(try ShapesEvaluation.prompts(fromFile: "a green triangle")[0].isHeldOut)
    }
}
