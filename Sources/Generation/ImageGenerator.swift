import FlowCore
import RectifiedFlow

/// Which picture the per-step preview shows.
public enum PreviewSource: String, Codable, Sendable, CaseIterable {
    /// The predicted clean image x̂₀ = x_σ − σ·v: recognisable early.
    case predicted
    /// The noisy current state x_σ.
    case noisy
}

/// One denoising step as the UI sees it.
public struct GenerationProgress: Sendable {
    /// 0-based index of the step just taken, and the total.
    public let step: Int
    public let stepCount: Int
    /// σ at the start of the step.
    public let sigma: Float
    /// Wall-clock seconds since the run started.
    public let elapsed: Double
    /// The predicted clean image x̂₀ and the noisy state x_σ of this step, decoded to RGB.
    public let predicted: RGBImage
    public let noisy: RGBImage
    /// The predicted clean latents x̂₀ of this step, [1, C, h, w] in the sampler's space, for
    /// `ImageGenerator.decodeLatents` (an SD3 model: [1, 16, H/8, W/8]); nil for a model that
    /// samples pixels (the demo model).
    public let predictedLatents: Tensor?
    /// The sampler's state x after this step, [1, C, h, w] (latents, or pixels for the demo
    /// model): what a branch from this step continues from (`generate(_:resumingFrom:…)`); nil
    /// when the model does not report it.
    public let latents: Tensor?

    public init(step: Int, stepCount: Int, sigma: Float, elapsed: Double, predicted: RGBImage, noisy: RGBImage,
                predictedLatents: Tensor? = nil, latents: Tensor? = nil) {
        self.step = step
        self.stepCount = stepCount
        self.sigma = sigma
        self.elapsed = elapsed
        self.predicted = predicted
        self.noisy = noisy
        self.predictedLatents = predictedLatents
        self.latents = latents
    }

    public func image(_ source: PreviewSource) -> RGBImage { source == .predicted ? predicted : noisy }
}

/// A finished image.
public struct GenerationResult: Sendable {
    public let image: RGBImage
    public let settings: GenerationSettings
    public let seconds: Double
    public init(image: RGBImage, settings: GenerationSettings, seconds: Double) {
        self.image = image
        self.settings = settings
        self.seconds = seconds
    }
}

/// A text-to-image model ready to sample: the bundled demo model, or an SD3 checkpoint.
public protocol ImageGenerator: Sendable {
    /// Short name shown in the status line and written to PNG metadata (`Model: …`).
    var modelName: String { get }
    /// A one-line description with size, e.g. "MM-DiT depth 4 (18.5M params), 64×64 RGB".
    var modelSummary: String { get }
    /// A short hash of the weights (favorites record it).
    var modelHash: String { get }
    /// How the weights are held and the arithmetic of the large products, e.g.
    /// "bf16 weights · f32 math" (`PrecisionSummary`): the studio's status line and the PNG
    /// parameters' `Precision` field show it. Empty when unknown (the default).
    var precisionSummary: String { get }
    /// Sizes (width, height) this model can generate; the first is the default.
    var supportedSizes: [(width: Int, height: Int)] { get }
    /// Settings a new session starts with.
    var defaultSettings: GenerationSettings { get }
    /// Words of `prompt` the text encoder does not read (the UI shows them; never silently dropped).
    func ignoredWords(in prompt: String) -> IgnoredWords
    /// Runs the sampler. `onStep` is called after every step (on the calling thread) and returns
    /// false to stop; a stopped run returns nil. `interrupt` may be asked at any time during a
    /// step (a large model asks before each joint block); once it answers true the run stops as
    /// soon as it can and returns nil. Throws on invalid settings or numerical failure.
    func generate(_ settings: GenerationSettings, interrupt: () -> Bool,
                  onStep: (GenerationProgress) -> Bool) throws -> GenerationResult?
    /// `generate` for a branch (`settings.branch` not empty) that continues from `state`, the
    /// parent's x after `settings.branchStep` steps (`GenerationProgress.latents` of that step):
    /// only the steps after it run, and the result is bit for bit what `generate` gives by
    /// sampling the parent's steps again. A model that cannot resume samples everything.
    func generate(_ settings: GenerationSettings, resumingFrom state: Tensor?, interrupt: () -> Bool,
                  onStep: (GenerationProgress) -> Bool) throws -> GenerationResult?
    /// Decodes a step's `predictedLatents` to the picture the final image is made with (an SD3
    /// model: its VAE, slow); nil when this model cannot (no VAE, or it samples pixels). Safe
    /// to call from another thread while a generation runs.
    func decodeLatents(_ latents: Tensor) throws -> RGBImage?
}

extension ImageGenerator {
    /// Cannot resume: samples every step.
    public func generate(_ settings: GenerationSettings, resumingFrom state: Tensor?, interrupt: () -> Bool,
                         onStep: (GenerationProgress) -> Bool) throws -> GenerationResult? {
        try generate(settings, interrupt: interrupt, onStep: onStep)
    }

    /// Unknown: empty.
    public var precisionSummary: String { "" }

    /// No decoder: the model samples pixels, or has no VAE.
    public func decodeLatents(_ latents: Tensor) throws -> RGBImage? { nil }

    /// `generate` with nothing to interrupt it between steps.
    public func generate(_ settings: GenerationSettings, onStep: (GenerationProgress) -> Bool) throws -> GenerationResult? {
        try generate(settings, interrupt: { false }, onStep: onStep)
    }
}
