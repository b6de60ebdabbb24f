import FlowCore
import Foundation
import Generation
import Imaging

/// A fast, deterministic `ImageGenerator` for tests: each step's picture is a flat colour from
/// the step index and seed; `ignoredWords` reports words listed in `unknown`; an optional
/// delay per step keeps runs going long enough to type over them.
final class TestGenerator: ImageGenerator, @unchecked Sendable {
    let modelName = "test-model"
    let modelSummary = "test generator"
    let modelHash = "0badc0de"
    let supportedSizes: [(width: Int, height: Int)] = [(16, 16), (32, 32)]
    var defaultSettings: GenerationSettings {
        GenerationSettings(prompt: "", steps: 4, cfgScale: 3, seed: 7, shift: 3, width: 16, height: 16)
    }
    let unknown: Set<String>
    let stepDelay: Double

    init(unknown: Set<String> = [], stepDelay: Double = 0) {
        self.unknown = unknown
        self.stepDelay = stepDelay
    }

    func ignoredWords(in prompt: String) -> IgnoredWords {
        IgnoredWords(unknown: prompt.lowercased().split(separator: " ").map(String.init).filter { unknown.contains($0) })
    }

    static func picture(step: Int, seed: UInt64, width: Int, height: Int) -> RGBImage {
        var image = RGBImage(width: width, height: height, fill: RGB(UInt8(40 * step % 256), UInt8(seed % 256), 200))
        image.fill(x: 0, y: 0, width: width / 2, height: height / 2, color: RGB(255, 255, 0))
        return image
    }

    func generate(_ settings: GenerationSettings, interrupt: () -> Bool,
                         onStep: (GenerationProgress) -> Bool) throws -> GenerationResult? {
        for i in 0..<settings.steps {
            if stepDelay > 0 { Thread.sleep(forTimeInterval: stepDelay) }
            let image = Self.picture(step: i, seed: settings.seed, width: settings.width, height: settings.height)
            let progress = GenerationProgress(step: i, stepCount: settings.steps, sigma: 1 - Float(i) / Float(settings.steps),
                                              elapsed: 0.001 * Double(i + 1), predicted: image, noisy: image)
            if !onStep(progress) { return nil }
        }
        return GenerationResult(image: Self.picture(step: settings.steps, seed: settings.seed, width: settings.width,
                                                    height: settings.height),
                                settings: settings, seconds: 0.01)
    }
}
