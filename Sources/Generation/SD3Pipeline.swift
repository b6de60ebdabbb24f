import Dispatch
import FlowCore
import MMDiT
import RectifiedFlow
import VAE

/// Stable Diffusion 3 / 3.5 text to image, as diffusers' `StableDiffusion3Pipeline` does it:
/// the prompt and the negative prompt through CLIP-L, CLIP-G and T5 (cached, so changing only the
/// steps, seed or CFG runs no encoder), noise [1, 16, H/8, W/8] from the seed, the rectified-flow
/// sampler with CFG (and skip-layer guidance when asked) on the MM-DiT, every step previewed
/// with the linear latent→RGB map, and the final latents decoded by the VAE.
///
/// Dimension letters: H, W image size in pixels; h = H/8, w = W/8 latent size; L = 333 text tokens.
public final class SD3Pipeline: ImageGenerator, @unchecked Sendable {
    // @unchecked: every stored property is immutable after init, and the components are
    // thread-safe for the one generation the worker runs at a time.
    public let modelName: String
    public let modelSummary: String
    public let modelHash: String
    public let precisionSummary: String
    public let defaultSettings: GenerationSettings
    /// The MM-DiT's shape (known without loading it).
    public let config: MMDiTConfig
    let transformer: LoadedOnDemand<MMDiT>
    let text: SD3TextEncoding
    let decoder: SD3LatentDecoding?
    let cache: PromptEmbeddingCache
    /// Release the MM-DiT while the encoders run (when both do not fit in memory together); it is
    /// loaded again for sampling.
    public let releaseTransformerToEncode: Bool

    /// The VAE's downsampling factor: 8 for every SD3-family VAE.
    public static let latentScale = 8
    /// Latent channels of the SD3 family.
    public static let latentChannels = 16

    /// `decoder` nil: images are the linear latent preview at 1/8 size.
    public init(name: String, summary: String, hash: String, defaults: GenerationSettings, config: MMDiTConfig,
                transformer: LoadedOnDemand<MMDiT>, text: SD3TextEncoding, decoder: SD3LatentDecoding?,
                releaseTransformerToEncode: Bool = false, cache: PromptEmbeddingCache = PromptEmbeddingCache(),
                precision: String = "") {
        modelName = name
        precisionSummary = precision
        modelSummary = summary
        modelHash = hash
        defaultSettings = defaults
        self.config = config
        self.transformer = transformer
        self.text = text
        self.decoder = decoder
        self.releaseTransformerToEncode = releaseTransformerToEncode
        self.cache = cache
    }

    /// Sizes that fit: multiples of 16 pixels (one latent patch of 2 is 16 pixels) whose patch grid
    /// fits the model's positional table; the first is the default.
    public var supportedSizes: [(width: Int, height: Int)] {
        let largest = largestSide
        let standard = [(defaultSettings.width, defaultSettings.height), (512, 512), (768, 768), (1024, 1024),
                        (1152, 896), (896, 1152), (1216, 832), (832, 1216), (1344, 768), (768, 1344)]
        var seen = Set<String>()
        return standard.filter { $0.0 <= largest && $0.1 <= largest && seen.insert("\($0.0)x\($0.1)").inserted }
    }

    /// The largest image side the positional table holds, in pixels.
    public var largestSide: Int { config.posEmbedMaxSize * config.patchSize * Self.latentScale }

    /// Why `width × height` cannot be made, or nil when it can.
    public func sizeProblem(width: Int, height: Int) -> String? {
        let step = config.patchSize * Self.latentScale
        if width % step != 0 || height % step != 0 || width <= 0 || height <= 0 {
            return "\(width)×\(height) is not a multiple of \(step) pixels on each side (the VAE's 8 × the patch of \(config.patchSize)); e.g. \(max(step, width / step * step))×\(max(step, height / step * step))"
        }
        if width > largestSide || height > largestSide {
            return "\(width)×\(height) is larger than this model's positional table holds: at most \(largestSide) pixels a side"
        }
        return nil
    }

    public func ignoredWords(in prompt: String) -> IgnoredWords { text.ignoredWords(in: prompt) }

    public func generate(_ settings: GenerationSettings, interrupt: () -> Bool,
                         onStep: (GenerationProgress) -> Bool) throws -> GenerationResult? {
        try generate(settings, resumingFrom: nil, interrupt: interrupt, onStep: onStep)
    }

    public func generate(_ settings: GenerationSettings, resumingFrom state: Tensor?, interrupt: () -> Bool,
                         onStep: (GenerationProgress) -> Bool) throws -> GenerationResult? {
        let start = DispatchTime.now().uptimeNanoseconds
        guard let final = try sampleLatents(settings, resumingFrom: state, interrupt: interrupt, onStep: onStep) else { return nil }
        let image = try decoder?.decode(final) ?? LatentPreview.sd3(final.reshaped(Array(final.shape.dropFirst())))
        return GenerationResult(image: image, settings: settings,
                                seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    /// A step's predicted clean latents [1, 16, h, w] through the VAE (nil without one), as the
    /// final image is made. The VAE holds no state between calls, so this may run on another
    /// thread while the MM-DiT samples.
    public func decodeLatents(_ latents: Tensor) throws -> RGBImage? { try decoder?.decode(latents) }

    /// The final latents of a run [1, 16, h, w] (the sampler's space, before the VAE), or nil when
    /// stopped. `onStep` gets each step's previews; `elapsed` counts from the first step, so a
    /// slow encode does not distort the per-step speed. A branch continues from `state` (the
    /// parent's latents after `settings.branchStep` steps) when given.
    public func sampleLatents(_ settings: GenerationSettings, resumingFrom state: Tensor? = nil, interrupt: () -> Bool = { false },
                              onStep: (GenerationProgress) -> Bool = { _ in true }) throws -> Tensor? {
        if let problem = sizeProblem(width: settings.width, height: settings.height) { throw SD3PipelineError.size(problem) }
        if let slg = settings.skipLayerGuidance, let bad = slg.layers.first(where: { !(0..<config.depth).contains($0) }) {
            throw SD3PipelineError.skipLayer(bad, depth: config.depth)
        }
        let resume = settings.isBranch ? state : nil
        let parts = BranchedSampling.partsToRun(settings, resuming: resume != nil).map(\.settings)
        if releaseTransformerToEncode && parts.contains(where: { part in
            !cache.contains(part.prompt) || part.cfgScale > 1 && !cache.contains(part.negativePrompt)
        }) {
            transformer.release()
        }
        // Every part's prompts are encoded before the MM-DiT is loaded (the cache keeps them).
        func conditioning(_ part: GenerationSettings) throws -> (positive: TextConditioning, negative: TextConditioning) {
            let positive = try cache.conditioning(for: part.prompt) { try text.encode($0) }
            let negative = part.cfgScale > 1 ? try cache.conditioning(for: part.negativePrompt) { try text.encode($0) } : positive.zeros
            return (positive, negative)
        }
        for part in parts { _ = try conditioning(part) }
        if interrupt() { return nil }
        let network = try transformer.get()

        let (h, w) = (settings.height / Self.latentScale, settings.width / Self.latentScale)
        let latentShape = [Self.latentChannels, h, w]
        let noise = settings.noise.gaussian(shape: [1] + latentShape, seed: settings.seed)  // [1, 16, h, w]
        let samplingStart = DispatchTime.now().uptimeNanoseconds
        do {
            return try withoutActuallyEscaping(interrupt) { interrupt in
                try BranchedSampling.sample(settings, model: InterruptibleMMDiT(network: network, interrupt: interrupt), noise: noise,
                                            resume: resume, conditioning: conditioning) { step in
                    onStep(GenerationProgress(step: step.index, stepCount: step.count, sigma: step.sigma,
                                              elapsed: Double(DispatchTime.now().uptimeNanoseconds - samplingStart) / 1e9,
                                              predicted: LatentPreview.sd3(step.predictedClean.reshaped(latentShape)),
                                              noisy: LatentPreview.sd3(step.latents.reshaped(latentShape)),
                                              predictedLatents: step.predictedClean,  // [1, 16, h, w]
                                              latents: step.latents))  // [1, 16, h, w]
                }
            }.latents
        } catch is ForwardInterrupted {
            return nil
        }
    }
}

/// The text side of an SD3 pipeline: prompt → (context [1, L, Dctx], pooled [1, Dpool]).
public protocol SD3TextEncoding: Sendable {
    /// Runs the encoders on `prompt` (an empty prompt too: diffusers encodes "" as the negative).
    func encode(_ prompt: String) throws -> TextConditioning
    /// Words past the tokenizers' limits.
    func ignoredWords(in prompt: String) -> IgnoredWords
}

/// The VAE side: final latents [1, 16, h, w] in the sampler's space → the picture.
public protocol SD3LatentDecoding: Sendable {
    func decode(_ latents: Tensor) throws -> RGBImage
}

/// Settings an SD3 model cannot run.
public enum SD3PipelineError: Error, CustomStringConvertible, Equatable {
    case size(String)
    case skipLayer(Int, depth: Int)

    public var description: String {
        switch self {
        case let .size(why): "cannot generate at that size: \(why)"
        case let .skipLayer(layer, depth):
            "skip-layer guidance cannot skip joint block \(layer): this model has blocks 0…\(depth - 1) (SD3.5-medium's diffusers default is 7,8,9)"
        }
    }
}
