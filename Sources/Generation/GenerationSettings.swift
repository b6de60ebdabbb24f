import FlowCore
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
    /// The generator of the initial noise (Philox unless asked otherwise).
    public var noise: NoiseSource
    /// Skip-layer guidance (SD3.5-medium), off unless asked for.
    public var skipLayerGuidance: SkipLayerGuidance?
    /// A branched run: the parts that ran before the branch point(s), oldest first (see
    /// `BranchSegment`); empty for an ordinary run.
    public var branch: [BranchSegment] = []

    public init(prompt: String, negativePrompt: String = "", steps: Int, cfgScale: Float, seed: UInt64,
                shift: Double, sampler: SamplerKind = .euler, width: Int, height: Int, noise: NoiseSource = .default,
                skipLayerGuidance: SkipLayerGuidance? = nil, branch: [BranchSegment] = []) {
        self.prompt = prompt
        self.negativePrompt = negativePrompt
        self.steps = steps
        self.cfgScale = cfgScale
        self.seed = seed
        self.shift = shift
        self.sampler = sampler
        self.width = width
        self.height = height
        self.noise = noise
        self.skipLayerGuidance = skipLayerGuidance
        self.branch = branch
    }

    private enum CodingKeys: String, CodingKey {
        case prompt, negativePrompt, steps, cfgScale, seed, shift, sampler, width, height, noise, skipLayerGuidance, branch
    }

    /// `noise`, `skipLayerGuidance` and `branch` may be absent (settings saved before they existed): then they are the defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        prompt = try c.decode(String.self, forKey: .prompt)
        negativePrompt = try c.decode(String.self, forKey: .negativePrompt)
        steps = try c.decode(Int.self, forKey: .steps)
        cfgScale = try c.decode(Float.self, forKey: .cfgScale)
        seed = try c.decode(UInt64.self, forKey: .seed)
        shift = try c.decode(Double.self, forKey: .shift)
        sampler = try c.decode(SamplerKind.self, forKey: .sampler)
        width = try c.decode(Int.self, forKey: .width)
        height = try c.decode(Int.self, forKey: .height)
        noise = try c.decodeIfPresent(NoiseSource.self, forKey: .noise) ?? .default
        skipLayerGuidance = try c.decodeIfPresent(SkipLayerGuidance.self, forKey: .skipLayerGuidance)
        branch = try c.decodeIfPresent([BranchSegment].self, forKey: .branch) ?? []
    }

    /// `noise` is written only when it is not the default, so saved Philox settings read as before.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(prompt, forKey: .prompt)
        try c.encode(negativePrompt, forKey: .negativePrompt)
        try c.encode(steps, forKey: .steps)
        try c.encode(cfgScale, forKey: .cfgScale)
        try c.encode(seed, forKey: .seed)
        try c.encode(shift, forKey: .shift)
        try c.encode(sampler, forKey: .sampler)
        try c.encode(width, forKey: .width)
        try c.encode(height, forKey: .height)
        if noise != .default { try c.encode(noise, forKey: .noise) }
        try c.encodeIfPresent(skipLayerGuidance, forKey: .skipLayerGuidance)
        if !branch.isEmpty { try c.encode(branch, forKey: .branch) }
    }
}
