import FlowCore

/// The MM-DiT of SD3 / SD3.5 (diffusers' `SD3Transformer2DModel`), predicting the flow
/// velocity `v = ε − x₀` for noisy latents at timestep t, given text tokens and a pooled text vector.
///
/// Forward, in the paper's order: patch embed + positional table → conditioning
/// (timestep + pooled) → context embed → joint blocks → output AdaLN → linear → unpatchify.
public struct MMDiT {
    public let config: MMDiTConfig
    /// Every checkpoint key the model was built from, with its shape.
    public let weightShapes: [String: [Int]]

    let patchEmbedding: PatchEmbedding
    let conditioningEmbedding: TimestepTextEmbedding
    /// `context_embedder`: Dctx → D.
    let contextEmbedder: Linear
    let blocks: [JointBlock]
    /// `norm_out.linear`: D → 2D (scale, shift).
    let outputModulation: Linear
    /// `proj_out`: D → p²·Cout.
    let outputProjection: Linear

    /// Builds the model from weights in diffusers layout (see `CheckpointKeyMap` for the
    /// original Stability layout). Strict: missing, unused or mis-shaped keys throw, all listed.
    public init(config: MMDiTConfig, weights: TensorProvider) throws {
        try config.validate()
        let store = WeightStore(weights)
        self.init(config: config, store: store)
        try store.finish()
    }

    /// Builds the model with the config read from the weights themselves.
    public init(weights: TensorProvider) throws {
        try self.init(config: MMDiTConfig.detect(from: weights), weights: weights)
    }

    /// Builds the model with every tensor made by `generate(key, shape)`: random init for
    /// benchmarks and training.
    public init(config: MMDiTConfig, generate: @escaping (String, [Int]) -> Tensor) throws {
        try config.validate()
        self.init(config: config, store: WeightStore(sourceDescription: "generated weights", generate: generate))
    }

    init(config: MMDiTConfig, store: WeightStore) {
        self.config = config
        let d = config.hiddenSize
        patchEmbedding = PatchEmbedding(store, config)
        conditioningEmbedding = TimestepTextEmbedding(store, config)
        contextEmbedder = store.linear("context_embedder", in: config.contextDim, out: d)
        blocks = (0..<config.depth).map { JointBlock(store, config, index: $0) }
        outputModulation = store.linear("norm_out.linear", in: d, out: 2 * d)
        outputProjection = store.linear("proj_out", in: d, out: config.patchSize * config.patchSize * config.outChannels)
        weightShapes = store.requested
    }

    /// The number of parameters (as stored in checkpoints).
    public var parameterCount: Int { weightShapes.values.reduce(0) { $0 + $1.reduce(1, *) } }

    /// Checks forward inputs against the model; the error says which input and which shapes.
    public func validateInputs(latents: [Int], context: [Int], pooled: [Int], timesteps: Int) throws {
        let c = config
        guard latents.count == 4 else { throw MMDiTError.inputShape("latents must be [B, C, H, W], got \(describeShape(latents))") }
        let (batch, channels, height, width) = (latents[0], latents[1], latents[2], latents[3])
        guard batch >= 1 else { throw MMDiTError.inputShape("the batch is empty") }
        guard channels == c.inChannels else {
            throw MMDiTError.inputShape("latents have \(channels) channels, the model takes \(c.inChannels)")
        }
        guard height % c.patchSize == 0, width % c.patchSize == 0, height > 0, width > 0 else {
            throw MMDiTError.inputShape("latent size \(height)×\(width) is not a multiple of the patch size \(c.patchSize)")
        }
        let (hp, wp) = (height / c.patchSize, width / c.patchSize)
        guard hp <= c.posEmbedMaxSize, wp <= c.posEmbedMaxSize else {
            throw MMDiTError.inputShape("latent \(height)×\(width) is \(hp)×\(wp) patches, larger than the model's positional table of \(c.posEmbedMaxSize)×\(c.posEmbedMaxSize) patches (at most \(c.posEmbedMaxSize * c.patchSize)×\(c.posEmbedMaxSize * c.patchSize) latent pixels)")
        }
        guard context.count == 3, context[0] == batch, context[2] == c.contextDim else {
            throw MMDiTError.inputShape("text tokens must be [\(batch), L, \(c.contextDim)], got \(describeShape(context))")
        }
        guard pooled == [batch, c.pooledDim] else {
            throw MMDiTError.inputShape("pooled text must be [\(batch), \(c.pooledDim)], got \(describeShape(pooled))")
        }
        guard timesteps == batch else {
            throw MMDiTError.inputShape("need one timestep per batch item (\(batch)), got \(timesteps)")
        }
    }

    /// Predicts the velocity. `latents` [B, C, H, W], `context` [B, L, Dctx], `pooled` [B, Dpool],
    /// `timesteps` [B] on the 0–1000 scale (σ·1000) → [B, Cout, H, W].
    public func callAsFunction(latents: Tensor, context: Tensor, pooled: Tensor, timesteps: [Float]) throws -> Tensor {
        try validateInputs(latents: latents.shape, context: context.shape, pooled: pooled.shape, timesteps: timesteps.count)
        let p = config.patchSize
        let (hp, wp) = (latents.shape[2] / p, latents.shape[3] / p)
        var x = patchEmbedding(latents)                                                   // [B, N, D]
        let conditioning = silu(conditioningEmbedding(timesteps: timesteps, pooled: pooled))  // [B, D]
        var c = contextEmbedder(context)                                                  // [B, L, D]
        for block in blocks {
            block(x: &x, c: &c, conditioning: conditioning)
        }
        // Output AdaLN (continuous: scale, shift), projection, unpatchify.
        let modulation = outputModulation(conditioning)                                   // [B, 2D]
        let d = config.hiddenSize
        x.scalars.withUnsafeMutableBufferPointer { px in
            layerNormRows(px.baseAddress!, rows: px.count / d, width: d, stride: d)
            modulation.scalars.withUnsafeBufferPointer { pm in
                modulate(px.baseAddress!, into: px.baseAddress!, batch: latents.shape[0], tokens: hp * wp, width: d,
                         shift: pm.baseAddress! + d, scale: pm.baseAddress!, modStride: 2 * d)
            }
        }
        let patches = outputProjection(x)                                                 // [B, N, p²·Cout]
        return unpatchify(patches, patch: p, gridHeight: hp, gridWidth: wp, channels: config.outChannels)
    }
}
