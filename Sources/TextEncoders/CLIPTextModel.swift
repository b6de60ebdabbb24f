import FlowCore

// Dimension letters: T tokens (77), W width, F MLP width, H heads, Dh head width (64), P projection width.

/// A CLIP text transformer with its projection, as transformers' `CLIPTextModelWithProjection`
/// runs in SD3 (`StableDiffusion3Pipeline._get_clip_prompt_embeds`): SD3's `text_encoder`
/// (CLIP-L/14) and `text_encoder_2` (OpenCLIP bigG/14).
///
/// Forward, one sequence of T ≤ `maxPositionEmbeddings` ids: x = token_embedding[ids] +
/// position_embedding[0..<T]; per layer (pre-LN) x += out_proj(causal attention(q, k, v of
/// layer_norm1(x))), x += fc2(act(fc1(layer_norm2(x)))); no padding mask (pad tokens are seen by
/// the tokens after them, as in the pipeline). Outputs what the pipeline takes: the penultimate
/// hidden state `hidden_states[-2]` (no final LN; `clipSkip` s takes `hidden_states[-(s+2)]`) and
/// `text_projection(final_layer_norm(x)[pooled token])`.
///
/// The pooled token follows transformers: with `eos_token_id == 2` (SD3's configs, and what
/// `detect` assumes) the first position of the largest id (the first `<|endoftext|>`); else the
/// first position of `eos_token_id` (position 0 if there is none).
///
/// `text_projection.weight` [P, W] is optional: ComfyUI's `clip_l.safetensors` has none, and SD3's
/// reference code does not project CLIP-L's pooled output; without it the projection is the
/// identity (the config's `projection_dim` must then equal W).
///
/// Keys (transformers layout): `text_model.embeddings.{token,position}_embedding.weight`,
/// `text_model.encoder.layers.{i}.self_attn.{q,k,v,out}_proj.{weight,bias}`,
/// `…layer_norm1/2.{weight,bias}`, `…mlp.fc1/fc2.{weight,bias}`,
/// `text_model.final_layer_norm.{weight,bias}`, `text_projection.weight`; a stray
/// `text_model.embeddings.position_ids` (old files) is ignored. Single files that keep these under
/// a prefix (`text_encoders.clip_l.transformer.`) are read through `PrefixedTensors`.
public struct CLIPTextModel: @unchecked Sendable {
    public let config: CLIPTextConfig
    /// The tensors, float32, named by their checkpoint keys.
    public let store: ParameterStore
    /// The arithmetic of large matrix products.
    public var precision: MatrixPrecision = .float32
    /// Whether the file had `text_projection.weight` (else the projection is the identity).
    public var hasProjection: Bool { projection != nil }

    let activation: CLIPActivation
    let tokenEmbedding: Int     // [V, W]
    let positionEmbedding: Int  // [Tmax, W]
    struct Layer: Sendable {
        let norm1: (weight: Int, bias: Int)  // [W], [W]
        let qkv: Linear                      // W → 3W (q | k | v, stored contiguously)
        let out: Linear                      // W → W
        let norm2: (weight: Int, bias: Int)  // [W], [W]
        let fc1: Linear                      // W → F
        let fc2: Linear                      // F → W
    }
    let layers: [Layer]
    let finalNorm: (weight: Int, bias: Int)  // [W], [W]
    let projection: Linear?                  // W → P, no bias

    /// What one forward gives.
    public struct Output: Sendable {
        /// [T, W]: `hidden_states[-(clipSkip+2)]`, the penultimate layer's output by default.
        public let hiddenStates: Tensor
        /// [P]: the projected pooled vector (`text_embeds`).
        public let pooled: Tensor
        /// The position that was pooled.
        public let pooledIndex: Int
    }

    /// Builds the model from `weights` (transformers layout), strictly: a missing, unused or
    /// mis-shaped key throws one `TextModelError.weightsDoNotMatch` listing them all.
    /// `text_projection.weight` may be absent (identity, see the type's notes).
    /// `matrices: .asStored` keeps the linear weights in the file's 16-bit dtype (inference).
    public init(config: CLIPTextConfig, weights: TensorProvider, precision: MatrixPrecision = .float32,
                matrices: MatrixStorage = .float32) throws {
        try config.validate()
        let hasProjection = weights.tensorShape("text_projection.weight") != nil
        if !hasProjection && config.projectionDim != config.hiddenSize {
            throw TextModelError.weightsDoNotMatch(source: weights.sourceDescription, problems: [
                "missing key 'text_projection.weight' (expected shape \(describeShape([config.projectionDim, config.hiddenSize]))); without it the projection is the identity, which needs projection_dim (\(config.projectionDim)) = hidden_size (\(config.hiddenSize))",
            ])
        }
        let store = ParameterStore(matrices: matrices)
        self.init(config: config, declaringIn: store, projection: hasProjection)
        do {
            try store.load(from: weights, ignoring: { $0 == "text_model.embeddings.position_ids" })
        } catch {
            throw TextModelError.weightsDoNotMatch(source: error.source, problems: error.problems)
        }
        self.precision = precision
    }

    /// Builds the model with the config read from the weights (`CLIPTextConfig.detect`).
    public init(weights: TensorProvider, role: CLIPTextConfig.Role, precision: MatrixPrecision = .float32,
                matrices: MatrixStorage = .float32) throws {
        try self.init(config: CLIPTextConfig.detect(from: weights, role: role), weights: weights, precision: precision, matrices: matrices)
    }

    /// Builds the model with every tensor made by `generate(key, shape)` (random weights for benchmarks).
    public init(config: CLIPTextConfig, projection: Bool = true, generate: (String, [Int]) -> Tensor) throws {
        try config.validate()
        let store = ParameterStore()
        self.init(config: config, declaringIn: store, projection: projection)
        store.fill(generate)
    }

    init(config: CLIPTextConfig, declaringIn store: ParameterStore, projection: Bool) {
        let w = config.hiddenSize, f = config.intermediateSize
        self.config = config
        self.store = store
        activation = config.activation ?? .quickGELU  // validated by the callers
        tokenEmbedding = store.declare("text_model.embeddings.token_embedding.weight", [config.vocabSize, w])
        positionEmbedding = store.declare("text_model.embeddings.position_embedding.weight", [config.maxPositionEmbeddings, w])
        func norm(_ name: String) -> (weight: Int, bias: Int) {
            (store.declare(name + ".weight", [w]), store.declare(name + ".bias", [w]))
        }
        layers = (0..<config.numHiddenLayers).map { i in
            let p = "text_model.encoder.layers.\(i)."
            let norm1 = norm(p + "layer_norm1")
            let parts = ["q_proj", "k_proj", "v_proj"].map { Linear(store, p + "self_attn." + $0, in: w, out: w) }
            store.keepContiguous(parts.map(\.weight))   // one [3W, W] matrix
            store.keepContiguous(parts.map { $0.bias! }) // one [3W] bias
            return Layer(norm1: norm1,
                         qkv: Linear(weight: parts[0].weight, bias: parts[0].bias, in: w, out: 3 * w),
                         out: Linear(store, p + "self_attn.out_proj", in: w, out: w),
                         norm2: norm(p + "layer_norm2"),
                         fc1: Linear(store, p + "mlp.fc1", in: w, out: f),
                         fc2: Linear(store, p + "mlp.fc2", in: f, out: w))
        }
        finalNorm = norm("text_model.final_layer_norm")
        self.projection = projection ? Linear(store, "text_projection", in: w, out: config.projectionDim, bias: false) : nil
    }

    /// The position transformers pools for `tokens` (see the type's notes).
    public func pooledIndex(_ tokens: [Int]) -> Int {
        if config.eosTokenID == 2 {
            var best = 0  // argmax: the first of the largest
            for (i, t) in tokens.enumerated() where t > tokens[best] { best = i }
            return best
        }
        return tokens.firstIndex(of: config.eosTokenID) ?? 0
    }

    /// Encodes one sequence of token ids (77 for SD3, as `CLIPTokenizer.encode` gives them).
    /// `clipSkip` (diffusers' `clip_skip`, 0 = none) picks `hidden_states[-(clipSkip+2)]`.
    public func encode(_ tokens: [Int], clipSkip: Int = 0) throws -> Output {
        let c = config, w = c.hiddenSize, f = c.intermediateSize, t = tokens.count
        guard t >= 1, t <= c.maxPositionEmbeddings else {
            throw TextModelError.input("CLIP takes 1 to \(c.maxPositionEmbeddings) tokens, got \(t)")
        }
        if let bad = tokens.first(where: { $0 < 0 || $0 >= c.vocabSize }) {
            throw TextModelError.input("token id \(bad) is outside CLIP's vocabulary of \(c.vocabSize)")
        }
        guard clipSkip >= 0, clipSkip < c.numHiddenLayers else {
            throw TextModelError.input("clip skip \(clipSkip) must be in 0..<\(c.numHiddenLayers)")
        }
        let ctx = ForwardContext(store: store, precision: precision)
        // The hidden state kept: after `keptLayers` layers (0 = the embeddings).
        let keptLayers = c.numHiddenLayers - 1 - clipSkip
        let x = FloatBuffer(uninitialized: t * w)                          // [T, W]
        let tok = store.value(tokenEmbedding), pos = store.value(positionEmbedding)
        for (i, id) in tokens.enumerated() {
            let row = x.p + i * w, e = tok + id * w, p = pos + i * w
            for j in 0..<w { row[j] = e[j] + p[j] }
        }
        var kept = keptLayers == 0 ? x.tensor([t, w]) : nil
        let h = FloatBuffer(uninitialized: t * w)                          // [T, W]
        let qkv = FloatBuffer(uninitialized: t * 3 * w)                    // [T, 3W]
        let attended = FloatBuffer(uninitialized: t * w)                   // [T, W]
        let mlp = FloatBuffer(uninitialized: t * f)                        // [T, F]
        for (index, layer) in layers.enumerated() {
            // x += out_proj(CausalAttention(layer_norm1(x)))
            layerNorm(x.p, into: h.p, rows: t, layer.norm1)
            layer.qkv.forward(ctx, rows: t, x: h.p, ldx: w, y: qkv.p, ldy: 3 * w)
            multiHeadAttention(q: qkv.p, k: qkv.p + w, v: qkv.p + 2 * w, stride: 3 * w, batch: 1, tokens: t,
                               heads: c.numAttentionHeads, headDim: c.headDim, out: attended.p, ldo: w,
                               precision: ctx.precision, causal: true)
            layer.out.forward(ctx, rows: t, x: attended.p, ldx: w, y: h.p, ldy: w)
            for i in 0..<(t * w) { x.p[i] += h.p[i] }
            // x += fc2(act(fc1(layer_norm2(x))))
            layerNorm(x.p, into: h.p, rows: t, layer.norm2)
            layer.fc1.forward(ctx, rows: t, x: h.p, ldx: w, y: mlp.p, ldy: f)
            activation.apply(mlp.p, count: t * f)
            layer.fc2.forward(ctx, rows: t, x: mlp.p, ldx: f, y: h.p, ldy: w)
            for i in 0..<(t * w) { x.p[i] += h.p[i] }
            if index + 1 == keptLayers { kept = x.tensor([t, w]) }
        }
        // pooled = text_projection(final_layer_norm(x)[pooled token])   [P]
        let index = pooledIndex(tokens)
        let normed = FloatBuffer(uninitialized: w)                         // [1, W]
        layerNorm(x.p + index * w, into: normed.p, rows: 1, finalNorm)
        let pooled: Tensor
        if let projection {
            let out = FloatBuffer(uninitialized: c.projectionDim)          // [1, P]
            projection.forward(ctx, rows: 1, x: normed.p, ldx: w, y: out.p, ldy: c.projectionDim)
            pooled = out.tensor([c.projectionDim])
        } else {
            pooled = normed.tensor([w])
        }
        return Output(hiddenStates: kept!, pooled: pooled, pooledIndex: index)
    }

    /// LayerNorm with its learned affine (eps from the config) of `rows` rows of W: `x` → `y`.
    func layerNorm(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, rows: Int, _ norm: (weight: Int, bias: Int)) {
        let w = config.hiddenSize
        y.update(from: x, count: rows * w)
        layerNormRows(y, rows: rows, width: w, stride: w, eps: config.layerNormEps)
        let g = store.value(norm.weight), b = store.value(norm.bias)
        for r in 0..<rows {
            let row = y + r * w
            for j in 0..<w { row[j] = row[j] * g[j] + b[j] }
        }
    }
}
