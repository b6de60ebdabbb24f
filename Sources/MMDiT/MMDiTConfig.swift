import FlowCore

/// The shape of an MM-DiT (SD3's `SD3Transformer2DModel`). Values for the real models:
/// SD3-medium (24 blocks, 1536 wide), SD3.5-medium (24, 1536, qk-norm, MMDiT-X blocks 0–12),
/// SD3.5-large (38, 2432, qk-norm).
public struct MMDiTConfig: Codable, Equatable, Sendable {
    /// Joint transformer blocks (`num_layers`): 24 / 24 / 38.
    public var depth: Int
    /// Hidden width D: 64·depth in the paper's family: 1536 / 1536 / 2432.
    public var hiddenSize: Int
    /// Attention heads: depth in the family (head width 64): 24 / 24 / 38.
    public var heads: Int
    /// Latent pixels per patch side: 2.
    public var patchSize: Int
    /// Latent channels in: 16.
    public var inChannels: Int
    /// Latent channels out: 16.
    public var outChannels: Int
    /// Width of the text tokens fed to the context embedder (`joint_attention_dim`): 4096.
    public var contextDim: Int
    /// Width of the pooled text vector (`pooled_projection_dim`): 2048.
    public var pooledDim: Int
    /// Side of the stored positional-embedding table, in patches: 192 / 384 / 192.
    public var posEmbedMaxSize: Int
    /// Per-head RMSNorm on queries and keys: false / true / true.
    public var qkNorm: Bool
    /// Blocks with a second, image-only self-attention (SD3.5 MMDiT-X): [] / 0…12 / [].
    public var dualAttentionLayers: [Int]
    /// Width of the feed-forward hidden layer: 4·D.
    public var mlpHiddenSize: Int

    /// The paper's family: depth d → hidden 64·d, d heads of 64, MLP 4×.
    public init(depth: Int, patchSize: Int = 2, inChannels: Int = 16, outChannels: Int = 16,
                contextDim: Int = 4096, pooledDim: Int = 2048, posEmbedMaxSize: Int = 192,
                qkNorm: Bool = false, dualAttentionLayers: [Int] = []) {
        self.init(depth: depth, hiddenSize: 64 * depth, heads: depth, patchSize: patchSize,
                  inChannels: inChannels, outChannels: outChannels, contextDim: contextDim,
                  pooledDim: pooledDim, posEmbedMaxSize: posEmbedMaxSize, qkNorm: qkNorm,
                  dualAttentionLayers: dualAttentionLayers, mlpHiddenSize: 4 * 64 * depth)
    }

    /// Any shape, including widths outside the 64·depth family.
    public init(depth: Int, hiddenSize: Int, heads: Int, patchSize: Int, inChannels: Int, outChannels: Int,
                contextDim: Int, pooledDim: Int, posEmbedMaxSize: Int, qkNorm: Bool,
                dualAttentionLayers: [Int], mlpHiddenSize: Int) {
        self.depth = depth
        self.hiddenSize = hiddenSize
        self.heads = heads
        self.patchSize = patchSize
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.contextDim = contextDim
        self.pooledDim = pooledDim
        self.posEmbedMaxSize = posEmbedMaxSize
        self.qkNorm = qkNorm
        self.dualAttentionLayers = dualAttentionLayers
        self.mlpHiddenSize = mlpHiddenSize
    }

    /// Head width: 64 in the family.
    public var headDim: Int { hiddenSize / heads }
    /// Features per patch token: C·p².
    public var patchFeatures: Int { inChannels * patchSize * patchSize }
    /// Whether block `i` has the MMDiT-X second attention.
    public func hasDualAttention(_ block: Int) -> Bool { dualAttentionLayers.contains(block) }

    /// Checks that the numbers describe a model that can run, each within `Limits`, before
    /// anything is allocated: a hostile value (a hand-edited description, a file's shapes) is one
    /// `MMDiTError.invalidConfig` naming the field, its value and the allowed range.
    public func validate() throws {
        try Self.check("depth", depth, in: Limits.depth)
        try Self.check("hiddenSize", hiddenSize, in: Limits.hiddenSize)
        try Self.check("heads", heads, in: Limits.heads)
        guard hiddenSize % heads == 0 else {
            throw MMDiTError.invalidConfig("hiddenSize \(hiddenSize) is not divisible by \(heads) heads")
        }
        try Self.check("patchSize", patchSize, in: Limits.patchSize)
        try Self.check("inChannels", inChannels, in: Limits.channels)
        try Self.check("outChannels", outChannels, in: Limits.channels)
        try Self.check("contextDim", contextDim, in: Limits.contextDim)
        try Self.check("pooledDim", pooledDim, in: Limits.pooledDim)
        try Self.check("posEmbedMaxSize", posEmbedMaxSize, in: Limits.posEmbedMaxSize)
        try Self.check("mlpHiddenSize", mlpHiddenSize, in: Limits.mlpHiddenSize)
        if let bad = dualAttentionLayers.first(where: { $0 < 0 || $0 >= depth }) {
            throw MMDiTError.invalidConfig("dual-attention layer \(bad) is outside 0..<\(depth)")
        }
        guard Set(dualAttentionLayers).count == dualAttentionLayers.count else {
            throw MMDiTError.invalidConfig("dualAttentionLayers \(dualAttentionLayers) lists a block twice")
        }
        let parameters = parameterBound ?? Int.max
        guard Limits.parameters.contains(parameters) else {
            throw MMDiTError.invalidConfig("a model of this shape (\(self)) has up to \(parameters) parameters; at most \(Limits.parameters.upperBound) are supported")
        }
    }
}

extension MMDiTConfig: CustomStringConvertible {
    public var description: String {
        var parts = ["depth \(depth)", "hidden \(hiddenSize)", "heads \(heads)×\(headDim)",
                     "patch \(patchSize)", "channels \(inChannels)→\(outChannels)",
                     "context \(contextDim)", "pooled \(pooledDim)", "pos-embed \(posEmbedMaxSize)²"]
        if qkNorm { parts.append("qk-norm") }
        if !dualAttentionLayers.isEmpty { parts.append("MMDiT-X blocks \(dualAttentionLayers)") }
        return parts.joined(separator: ", ")
    }
}
