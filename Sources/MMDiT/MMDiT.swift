import FlowCore

// Dimension letters: B batch, C channels, H W latent size, p patch side, N = (H/p)·(W/p) image
// tokens, L text tokens, D width, Dctx text-token width, Dpool pooled width.

/// The MM-DiT of SD3 / SD3.5 (diffusers' `SD3Transformer2DModel`), predicting the flow
/// velocity `v = ε − x₀` for noisy latents at timestep t, given text tokens and a pooled text vector.
///
/// Forward, in the paper's order: patch embed + positional table → conditioning
/// (timestep + pooled) → context embed → joint blocks → output AdaLN → linear → unpatchify.
/// Inference and training run the same `forward`; training passes a `Tape` and then calls
/// `backward` (MMDiT+Backward.swift). The tensors live in a `ParameterStore`, named by their
/// diffusers keys (under `prefix`); `precision` is the arithmetic of the model's large products.
public struct MMDiT: @unchecked Sendable {
    public let config: MMDiTConfig
    /// Every checkpoint key the model was built from, with its shape.
    public let weightShapes: [String: [Int]]
    /// The tensors (shared with other models in the same store when training).
    public let store: ParameterStore
    /// The arithmetic of large matrix products (float32 unless asked otherwise).
    public var precision: MatrixPrecision = .float32

    let patchEmbedding: PatchEmbedding
    let conditioningEmbedding: TimestepTextEmbedding
    /// `context_embedder`: Dctx → D.
    let contextEmbedder: Linear
    let blocks: [JointBlock]
    let outputLayer: OutputLayer

    /// Builds the model from weights in diffusers layout (see `CheckpointKeyMap` for the
    /// original Stability layout). Strict: missing, unused or mis-shaped keys throw, all listed.
    /// `matrices: .asStored` keeps the linear weights in the file's 16-bit dtype (inference).
    public init(config: MMDiTConfig, weights: TensorProvider, precision: MatrixPrecision = .float32,
                matrices: MatrixStorage = .float32) throws {
        let store = ParameterStore(matrices: matrices)
        try self.init(config: config, declaringIn: store)
        do {
            try store.load(from: weights)
        } catch {
            throw MMDiTError.weightsDoNotMatch(source: error.source, problems: error.problems)
        }
        self.precision = precision
    }

    /// Builds the model with the config read from the weights themselves.
    public init(weights: TensorProvider, precision: MatrixPrecision = .float32, matrices: MatrixStorage = .float32) throws {
        try self.init(config: MMDiTConfig.detect(from: weights), weights: weights, precision: precision, matrices: matrices)
    }

    /// Builds the model with every tensor made by `generate(key, shape)`: random init for
    /// benchmarks (`matrices: .rounded(.bfloat16)` holds the linear weights in bfloat16).
    public init(config: MMDiTConfig, matrices: MatrixStorage = .float32, generate: (String, [Int]) -> Tensor) throws {
        let store = ParameterStore(matrices: matrices)
        try self.init(config: config, declaringIn: store)
        store.fill(generate)
    }

    /// Declares the model's tensors in `store` under `prefix` (e.g. "transformer.") without
    /// allocating or filling them: for training, where one store holds several models.
    public init(config: MMDiTConfig, declaringIn store: ParameterStore, prefix: String = "") throws {
        try config.validate()
        self.config = config
        self.store = store
        let first = store.entries.count
        patchEmbedding = PatchEmbedding(store, config, prefix: prefix)
        conditioningEmbedding = TimestepTextEmbedding(store, config, prefix: prefix)
        contextEmbedder = Linear(store, prefix + "context_embedder", in: config.contextDim, out: config.hiddenSize)
        blocks = (0..<config.depth).map { JointBlock(store, config, prefix: prefix, index: $0) }
        outputLayer = OutputLayer(store, config, prefix: prefix)
        weightShapes = Dictionary(uniqueKeysWithValues: store.entries[first...].map { (String($0.name.dropFirst(prefix.count)), $0.shape) })
    }

    /// The bytes of the weights as held (16-bit matrices count 2 bytes an element).
    public var heldWeightBytes: Int { store.heldBytes }

    /// Whether some of the weights are held in 16 bits.
    public var hasHalfWeights: Bool { store.halfCount > 0 }

    /// The number of parameters (as stored in checkpoints).
    public var parameterCount: Int { weightShapes.values.reduce(0) { $0 + $1.reduce(1, *) } }

    /// The id of the fixed positional table (`pos_embed.pos_embed`) in the store.
    public var positionTable: Int { patchEmbedding.table }

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
    ///
    /// `skipping`: joint blocks to bypass (both streams pass through unchanged), as diffusers'
    /// `skip_layers` for skip-layer guidance. `interrupt` is asked before every joint block; when
    /// it answers true the forward stops there and throws `ForwardInterrupted`, so a cancelled
    /// run of a large model stops within one block rather than one whole forward.
    public func callAsFunction(latents: Tensor, context: Tensor, pooled: Tensor, timesteps: [Float],
                               skipping: Set<Int> = [], interrupt: (() -> Bool)? = nil) throws -> Tensor {
        try validateInputs(latents: latents.shape, context: context.shape, pooled: pooled.shape, timesteps: timesteps.count)
        if let bad = skipping.first(where: { !(0..<config.depth).contains($0) }) {
            throw MMDiTError.inputShape("cannot skip joint block \(bad): the model has blocks 0…\(config.depth - 1)")
        }
        let p = config.patchSize
        let (hp, wp) = (latents.shape[2] / p, latents.shape[3] / p)
        let out = context.scalars.withUnsafeBufferPointer { ctx in
            pooled.scalars.withUnsafeBufferPointer { pool in
                run(latents: latents, timesteps: timesteps, context: ctx.baseAddress!, contextTokens: context.shape[1],
                    pooled: pool.baseAddress!, tape: nil, skipping: skipping, interrupt: interrupt)
            }
        }
        guard let out else { throw ForwardInterrupted() }
        let patches = out.tensor([latents.shape[0], hp * wp, p * p * config.outChannels])  // [B, N, p²·Cout]
        return unpatchify(patches, patch: p, gridHeight: hp, gridWidth: wp, channels: config.outChannels)
    }

    /// The forward on raw text buffers: `latents` [B, C, H, W], `timesteps` [B] (σ·1000),
    /// `context` [B, L, Dctx], `pooled` [B, Dpool] → the prediction in token layout [B, N, p²·Cout]
    /// (features ordered (i, j, c)). With a `tape` (from `makeTape`), keeps what `backward` needs.
    /// Inputs are not checked here: `callAsFunction` checks them.
    public func forward(latents: Tensor, timesteps: [Float], context: UnsafePointer<Float>, contextTokens l: Int,
                        pooled: UnsafePointer<Float>, tape: Tape?) -> FloatBuffer {
        // Never nil: nothing can interrupt a forward without an `interrupt`.
        run(latents: latents, timesteps: timesteps, context: context, contextTokens: l, pooled: pooled, tape: tape,
            skipping: [], interrupt: nil)!
    }

    /// `forward` with blocks to bypass and an interruption check before each block (nil when it
    /// interrupted).
    private func run(latents: Tensor, timesteps: [Float], context: UnsafePointer<Float>, contextTokens l: Int,
                     pooled: UnsafePointer<Float>, tape: Tape?, skipping: Set<Int>, interrupt: (() -> Bool)?) -> FloatBuffer? {
        let c = config, d = c.hiddenSize, p = c.patchSize
        let ctx = ForwardContext(store: store, precision: precision)
        let batch = latents.shape[0]
        let n = (latents.shape[2] / p) * (latents.shape[3] / p)
        let x = FloatBuffer(uninitialized: batch * n * d)                                              // [B, N, D]
        patchEmbedding.forward(ctx, latents: latents, into: x.p, patches: tape?.patches)
        let temb = tape?.temb ?? FloatBuffer(uninitialized: batch * d)                                 // [B, D]
        conditioningEmbedding.forward(ctx, timesteps: timesteps, pooled: pooled, temb: temb.p, tape: tape?.embedding)
        let conditioning = tape?.conditioning ?? FloatBuffer(uninitialized: batch * d)                 // [B, D] = SiLU(temb)
        conditioning.p.update(from: temb.p, count: batch * d)
        siluInPlace(conditioning.p, count: batch * d)
        let cTokens = FloatBuffer(uninitialized: batch * l * d)                                        // [B, L, D]
        contextEmbedder.forward(ctx, rows: batch * l, x: context, ldx: c.contextDim, y: cTokens.p, ldy: d)
        for (i, block) in blocks.enumerated() where !skipping.contains(i) {
            if interrupt?() == true { return nil }
            block.forward(ctx, x: x.p, c: cTokens.p, conditioning: conditioning.p, batch: batch, n: n, l: l,
                          tape: tape?.blocks[i])
        }
        let out = tape?.output ?? FloatBuffer(uninitialized: batch * n * outputLayer.projection.outFeatures)  // [B, N, p²·Cout]
        outputLayer.forward(ctx, x: x.p, conditioning: conditioning.p, batch: batch, n: n, out: out.p, tape: tape?.outputLayer)
        return out
    }
}
