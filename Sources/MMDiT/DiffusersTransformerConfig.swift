import Foundation
import FlowCore

/// `config.json` of a diffusers `SD3Transformer2DModel`: its constructor arguments, snake_case.
/// Missing keys take diffusers' defaults, as `from_pretrained` does.
public struct DiffusersTransformerConfig: Codable, Equatable, Sendable {
    public static let className = "SD3Transformer2DModel"
    /// The diffusers version whose defaults and layout this codec follows (written as `_diffusers_version`).
    public static let diffusersVersion = "0.42.1"

    /// `_class_name`: "SD3Transformer2DModel".
    public var className: String
    /// `_diffusers_version`.
    public var diffusersVersion: String?
    /// Latent side in latent pixels (here image pixels: the demo model is pixel-space). Sets
    /// diffusers' default image size and the base size of its sin-cos table.
    public var sampleSize: Int
    public var patchSize: Int
    public var inChannels: Int
    /// Joint blocks (depth).
    public var numLayers: Int
    /// Head width (64 in the SD3 family).
    public var attentionHeadDim: Int
    public var numAttentionHeads: Int
    /// Width of the text tokens (our context width).
    public var jointAttentionDim: Int
    /// Output width of `context_embedder`; must equal the hidden width.
    public var captionProjectionDim: Int
    public var pooledProjectionDim: Int
    public var outChannels: Int
    public var posEmbedMaxSize: Int
    /// nil (none) or "rms_norm".
    public var qkNorm: String?
    public var dualAttentionLayers: [Int]

    enum CodingKeys: String, CodingKey {
        case className = "_class_name", diffusersVersion = "_diffusers_version"
        case sampleSize = "sample_size", patchSize = "patch_size", inChannels = "in_channels", numLayers = "num_layers"
        case attentionHeadDim = "attention_head_dim", numAttentionHeads = "num_attention_heads"
        case jointAttentionDim = "joint_attention_dim", captionProjectionDim = "caption_projection_dim"
        case pooledProjectionDim = "pooled_projection_dim", outChannels = "out_channels"
        case posEmbedMaxSize = "pos_embed_max_size", qkNorm = "qk_norm", dualAttentionLayers = "dual_attention_layers"
    }

    /// The diffusers config of `config` at `sampleSize`. Throws when diffusers cannot express it
    /// (its feed-forward is always 4× wide).
    public init(_ config: MMDiTConfig, sampleSize: Int) throws {
        guard config.mlpHiddenSize == 4 * config.hiddenSize else {
            throw MMDiTError.notExpressibleInDiffusers("the MM-DiT's MLP is \(config.mlpHiddenSize) wide; diffusers' SD3Transformer2DModel always uses 4 × hidden = \(4 * config.hiddenSize)")
        }
        className = Self.className
        diffusersVersion = Self.diffusersVersion
        self.sampleSize = sampleSize
        patchSize = config.patchSize
        inChannels = config.inChannels
        numLayers = config.depth
        attentionHeadDim = config.headDim
        numAttentionHeads = config.heads
        jointAttentionDim = config.contextDim
        captionProjectionDim = config.hiddenSize
        pooledProjectionDim = config.pooledDim
        outChannels = config.outChannels
        posEmbedMaxSize = config.posEmbedMaxSize
        qkNorm = config.qkNorm ? "rms_norm" : nil
        dualAttentionLayers = config.dualAttentionLayers
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // Defaults: diffusers 0.42.1 SD3Transformer2DModel.__init__.
        className = try c.decodeIfPresent(String.self, forKey: .className) ?? ""
        diffusersVersion = try c.decodeIfPresent(String.self, forKey: .diffusersVersion)
        sampleSize = try c.decodeIfPresent(Int.self, forKey: .sampleSize) ?? 128
        patchSize = try c.decodeIfPresent(Int.self, forKey: .patchSize) ?? 2
        inChannels = try c.decodeIfPresent(Int.self, forKey: .inChannels) ?? 16
        numLayers = try c.decodeIfPresent(Int.self, forKey: .numLayers) ?? 18
        attentionHeadDim = try c.decodeIfPresent(Int.self, forKey: .attentionHeadDim) ?? 64
        numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? 18
        jointAttentionDim = try c.decodeIfPresent(Int.self, forKey: .jointAttentionDim) ?? 4096
        captionProjectionDim = try c.decodeIfPresent(Int.self, forKey: .captionProjectionDim) ?? 1152
        pooledProjectionDim = try c.decodeIfPresent(Int.self, forKey: .pooledProjectionDim) ?? 2048
        outChannels = try c.decodeIfPresent(Int.self, forKey: .outChannels) ?? inChannels  // None → in_channels
        posEmbedMaxSize = try c.decodeIfPresent(Int.self, forKey: .posEmbedMaxSize) ?? 96
        qkNorm = try c.decodeIfPresent(String.self, forKey: .qkNorm)
        dualAttentionLayers = try c.decodeIfPresent([Int].self, forKey: .dualAttentionLayers) ?? []
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(className, forKey: .className)
        try c.encodeIfPresent(diffusersVersion, forKey: .diffusersVersion)
        try c.encode(sampleSize, forKey: .sampleSize)
        try c.encode(patchSize, forKey: .patchSize)
        try c.encode(inChannels, forKey: .inChannels)
        try c.encode(numLayers, forKey: .numLayers)
        try c.encode(attentionHeadDim, forKey: .attentionHeadDim)
        try c.encode(numAttentionHeads, forKey: .numAttentionHeads)
        try c.encode(jointAttentionDim, forKey: .jointAttentionDim)
        try c.encode(captionProjectionDim, forKey: .captionProjectionDim)
        try c.encode(pooledProjectionDim, forKey: .pooledProjectionDim)
        try c.encode(outChannels, forKey: .outChannels)
        try c.encode(posEmbedMaxSize, forKey: .posEmbedMaxSize)
        try c.encode(qkNorm, forKey: .qkNorm)  // null when absent, as diffusers writes it
        try c.encode(dualAttentionLayers, forKey: .dualAttentionLayers)
    }

    /// The `sample_size` values `mmditConfig` accepts (SD3: 128 latent pixels).
    public static let sampleSizes = 1...4096

    /// The MM-DiT this config builds in diffusers, every value checked against
    /// `MMDiTConfig.Limits` before any product is taken. `source` names the file in errors.
    public func mmditConfig(source: String = "config.json") throws -> MMDiTConfig {
        func fail(_ why: String) -> MMDiTError { .diffusersConfig(source: source, reason: why) }
        // Ranges first: the products below must not overflow.
        for (key, value, range) in [("num_attention_heads", numAttentionHeads, MMDiTConfig.Limits.heads),
                                    ("attention_head_dim", attentionHeadDim, MMDiTConfig.Limits.hiddenSize),
                                    ("sample_size", sampleSize, Self.sampleSizes)] where !range.contains(value) {
            throw fail("\(key) is \(value); it must be in \(range.lowerBound)…\(range.upperBound)")
        }
        let hidden = numAttentionHeads * attentionHeadDim
        guard MMDiTConfig.Limits.hiddenSize.contains(hidden) else {
            throw fail("num_attention_heads × attention_head_dim is \(hidden); it must be in \(MMDiTConfig.Limits.hiddenSize.lowerBound)…\(MMDiTConfig.Limits.hiddenSize.upperBound)")
        }
        guard captionProjectionDim == hidden else {
            throw MMDiTError.diffusersConfig(source: source, reason: "caption_projection_dim \(captionProjectionDim) differs from num_attention_heads × attention_head_dim = \(hidden); SD3Transformer2DModel cannot run that")
        }
        let qk: Bool
        switch qkNorm {
        case nil: qk = false
        case "rms_norm": qk = true
        case let other?: throw MMDiTError.diffusersConfig(source: source, reason: "qk_norm \"\(other)\" is not supported; FlowStudio's MM-DiT has none or \"rms_norm\"")
        }
        let config = MMDiTConfig(depth: numLayers, hiddenSize: hidden, heads: numAttentionHeads, patchSize: patchSize,
                                 inChannels: inChannels, outChannels: outChannels, contextDim: jointAttentionDim,
                                 pooledDim: pooledProjectionDim, posEmbedMaxSize: posEmbedMaxSize, qkNorm: qk,
                                 dualAttentionLayers: dualAttentionLayers.sorted(), mlpHiddenSize: 4 * hidden)
        do {
            try config.validate()
        } catch {
            throw MMDiTError.diffusersConfig(source: source, reason: "\(error)")
        }
        return config
    }
}
