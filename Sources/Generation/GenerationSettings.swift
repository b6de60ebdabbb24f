import RectifiedFlow

/// Everything that determines one generated image (with the model): what the studio edits,
/// what favorites store, and what a PNG's `parameters` chunk records.
public struct GenerationSettings: Codable, Equatable, Sendable {
    public var prompt: String
    public var negativePrompt: String
    /// Denoising steps, 1…1000.
    public var steps: Int
    /// Classifier-free guidance scale (guidance runs when > 1).
    public var cfgScale: Float
    public var seed: UInt64
    /// Schedule shift s.
    public var shift: Double
    public var sampler: SamplerKind
    /// Output size in pixels.
    public var width: Int
    public var height: Int

    public init(prompt: String, negativePrompt: String = "", steps: Int, cfgScale: Float, seed: UInt64,
                shift: Double, sampler: SamplerKind = .euler, width: Int, height: Int) {
        self.prompt = prompt
        self.negativePrompt = negativePrompt
        self.steps = steps
        self.cfgScale = cfgScale
        self.seed = seed
        self.shift = shift
        self.sampler = sampler
        self.width = width
        self.height = height
    }
}
