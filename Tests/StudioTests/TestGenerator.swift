import FlowCore
import Foundation
import Generation
import Imaging

/// A fast, deterministic `ImageGenerator` for tests: each step's picture is a flat colour from
/// the step index and seed; `ignoredWords` reports words listed in `unknown`; an optional
/// delay per step keeps runs going long enough to type over them. A second model for switching
/// tests gets another name, defaults and sizes; `probe` counts how many generators run at once.
/// `latents` makes it a latent model: each step carries latents [1, 1, H, W] filled with the
/// step index, which a VAE (`.vae`) decodes to `decodedPicture` after `decodeDelay`
/// seconds, or nothing decodes (`.noVAE`).
final class TestGenerator: ImageGenerator, @unchecked Sendable {
    enum Latents { case none, noVAE, vae }
    let modelName: String
    let modelSummary: String
    let modelHash: String
    let supportedSizes: [(width: Int, height: Int)]
    let defaultSettings: GenerationSettings
    let unknown: Set<String>
    let stepDelay: Double
    let probe: ConcurrencyProbe?
    let latents: Latents
    let decodeDelay: Double
    /// `ImageGenerator.precisionSummary` (empty: unknown, as the protocol's default).
    var precisionSummary = ""
    /// The step index of every decode asked for, in order.
    var decodedSteps: [Int] { lock.withLock { decodes } }
    private var decodes: [Int] = []
    /// How many decodes have returned.
    var finishedDecodes: Int { lock.withLock { finished } }
    private var finished = 0
    /// How many runs this generator has started.
    var runs: Int { lock.withLock { runCount } }
    private let lock = NSLock()
    private var runCount = 0

    init(unknown: Set<String> = [], stepDelay: Double = 0, name: String = "test-model", summary: String = "test generator",
         hash: String = "0badc0de", sizes: [(width: Int, height: Int)] = [(16, 16), (32, 32)],
         defaults: GenerationSettings = GenerationSettings(prompt: "", steps: 4, cfgScale: 3, seed: 7, shift: 3, width: 16, height: 16),
         probe: ConcurrencyProbe? = nil, latents: Latents = .none, decodeDelay: Double = 0) {
        self.latents = latents
        self.decodeDelay = decodeDelay
        self.unknown = unknown
        self.stepDelay = stepDelay
        modelName = name
        modelSummary = summary
        modelHash = hash
        supportedSizes = sizes
        defaultSettings = defaults
        self.probe = probe
    }

    func ignoredWords(in prompt: String) -> IgnoredWords {
        IgnoredWords(unknown: prompt.lowercased().split(separator: " ").map(String.init).filter { unknown.contains($0) })
    }

    static func picture(step: Int, seed: UInt64, width: Int, height: Int) -> RGBImage {
        var image = RGBImage(width: width, height: height, fill: RGB(UInt8(40 * step % 256), UInt8(seed % 256), 200))
        image.fill(x: 0, y: 0, width: width / 2, height: height / 2, color: RGB(255, 255, 0))
        return image
    }

    /// What the test VAE makes of step `step`: green, with the step in the blue channel.
    static func decodedPicture(step: Int, width: Int, height: Int) -> RGBImage {
        RGBImage(width: width, height: height, fill: RGB(0, 255, UInt8(step % 256)))
    }

    func decodeLatents(_ latents: Tensor) throws -> RGBImage? {
        guard self.latents == .vae else { return nil }
        let step = Int(latents.scalars.first ?? -1)
        lock.withLock { decodes.append(step) }
        if decodeDelay > 0 { Thread.sleep(forTimeInterval: decodeDelay) }
        defer { lock.withLock { finished += 1 } }
        return Self.decodedPicture(step: step, width: latents.shape[3], height: latents.shape[2])
    }

    func generate(_ settings: GenerationSettings, interrupt: () -> Bool,
                         onStep: (GenerationProgress) -> Bool) throws -> GenerationResult? {
        lock.withLock { runCount += 1 }
        probe?.enter()
        defer { probe?.leave() }
        for i in 0..<settings.steps {
            if stepDelay > 0 { Thread.sleep(forTimeInterval: stepDelay) }
            let image = Self.picture(step: i, seed: settings.seed, width: settings.width, height: settings.height)
            let progress = GenerationProgress(step: i, stepCount: settings.steps, sigma: 1 - Float(i) / Float(settings.steps),
                                              elapsed: 0.001 * Double(i + 1), predicted: image, noisy: image,
                                              predictedLatents: latents == .none ? nil : Tensor(
                                                  shape: [1, 1, settings.height, settings.width],
                                                  scalars: [Float](repeating: Float(i), count: settings.width * settings.height)))
            if !onStep(progress) { return nil }
        }
        return GenerationResult(image: Self.picture(step: settings.steps, seed: settings.seed, width: settings.width,
                                                    height: settings.height),
                                settings: settings, seconds: 0.01)
    }
}

/// Counts the generators running at once, and the most there ever were.
final class ConcurrencyProbe: @unchecked Sendable {
    private let lock = NSLock()
    private var running = 0
    private var most = 0

    func enter() { lock.withLock { running += 1; most = max(most, running) } }
    func leave() { lock.withLock { running -= 1 } }
    /// The most generators that ran at once.
    var maximum: Int { lock.withLock { most } }
}
