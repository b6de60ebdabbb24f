import Testing
import FlowCore
@testable import ShapesWorld

/// Images that are not scenes (noise, as an untrained model makes) are never scored correct.
@Suite struct NoiseRejectionTests {
    @Test func randomColoursAreNotReadAsAScene() {
        let checker = SceneChecker()
        for seed in 0..<20 {
            let noise = Noise.uniform(shape: [3 * 64 * 64], bound: 1, seed: UInt64(seed))
            let pixels = noise.scalars.map { UInt8(max(0, min(255, ($0 + 1) * 127.5))) }
            let image = RGBImage(width: 64, height: 64, pixels: pixels)
            let scene = checker.analyze(image)
            #expect(scene.backgroundFraction < SceneChecker.minimumBackgroundFraction, "seed \(seed): \(scene.backgroundFraction)")
            for prompt in EvalPromptSet.builtIn(count: 12) {
                #expect(!checker.score(prompt, image: image).correct, "noise scored correct for \(prompt.text)")
            }
        }
    }
}
