import FlowCore

// Dimension letters: T tokens (256 in SD3), D width, H heads, Dkv head width, I = H·Dkv attention
// width, F feed-forward width, NB relative-position buckets.

/// The encoder of T5 (transformers' `T5EncoderModel`), SD3's `text_encoder_3` (T5-v1.1-XXL).
///
/// Forward, one sequence of T ids: x = embedding[ids]; per block x += o(attention(q, k, v of
/// RMS(x))) with NO 1/√Dkv scale and an additive relative-position bias [H, T, T] that block 0's
/// table defines and every block shares; x += wo(act(wi_0 RMS(x)) ⊙ wi_1 RMS(x)) (gated; wo(act(wi
/// RMS(x))) otherwise); then the final RMS norm. RMS is T5's LayerNorm: x / √(mean(x²) + eps) · w,
/// no mean, no bias. No attention mask: SD3's pipeline passes none, so pad tokens are attended.
///
/// Keys (transformers layout): the embedding as `shared.weight` and/or `encoder.embed_tokens.weight`
/// (tied: a file may hold either or both; both must then be equal),
/// `encoder.block.{i}.layer.0.SelfAttention.{q,k,v,o}.weight`,
/// `encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight` [NB, H],
/// `encoder.block.{i}.layer.0.layer_norm.weight`, `encoder.block.{i}.layer.1.DenseReluDense.{wi_0,wi_1,wo}.weight`
/// (`wi` when not gated), `encoder.block.{i}.layer.1.layer_norm.weight`, `encoder.final_layer_norm.weight`.
public struct T5Encoder: @unchecked Sendable {
    public let config: T5EncoderConfig
    /// The tensors, float32, named by their checkpoint keys.
    public let store: ParameterStore
    /// The arithmetic of large matrix products.
    public var precision: MatrixPrecision = .float32

    let gated: Bool
    let activation: T5Activation
    let embedding: Int          // [V, D]
    let positionTable: Int      // [NB, H]
    struct Block: Sendable {
        let attentionNorm: Int  // [D]
        let qkv: Linear         // D → 3I (q | k | v, stored contiguously), no bias
        let o: Linear           // I → D
        let feedForwardNorm: Int  // [D]
        let wi0: Linear         // D → F (`wi` when not gated)
        let wi1: Linear?        // D → F
        let wo: Linear          // F → D
    }
    let blocks: [Block]
    let finalNorm: Int          // [D]

    static let sharedKey = "shared.weight"
    static let embedTokensKey = "encoder.embed_tokens.weight"

    /// Builds the encoder from `weights` (transformers layout), strictly: a missing, unused or
    /// mis-shaped key throws one `TextModelError.weightsDoNotMatch` listing them all. A file with
    /// both embedding keys must hold the same table under both.
    /// `matrices: .asStored` keeps the linear weights in the file's 16-bit dtype (inference).
    public init(config: T5EncoderConfig, weights: TensorProvider, precision: MatrixPrecision = .float32,
                matrices: MatrixStorage = .float32) throws {
        try config.validate()
        let hasShared = weights.tensorShape(Self.sharedKey) != nil
        let hasEmbedTokens = weights.tensorShape(Self.embedTokensKey) != nil
        let store = ParameterStore(matrices: matrices)
        self.init(config: config, declaringIn: store, embeddingKey: hasShared || !hasEmbedTokens ? Self.sharedKey : Self.embedTokensKey)
        let both = hasShared && hasEmbedTokens
        do {
            try store.load(from: weights, ignoring: { both && $0 == Self.embedTokensKey })
        } catch {
            let problems = error.problems.map { line in
                line.hasPrefix("missing key '\(Self.sharedKey)'")
                    ? line + " (or its tied copy '\(Self.embedTokensKey)')" : line
            }
            throw TextModelError.weightsDoNotMatch(source: error.source, problems: problems)
        }
        if both {
            // The tied copy must be the same table.
            let problem: String?
            do {
                let copy = try weights.loadTensor(Self.embedTokensKey)
                let table = UnsafeBufferPointer(start: store.value(embedding), count: store.entries[embedding].count)
                problem = copy.shape == store.entries[embedding].shape && copy.scalars.elementsEqual(table)
                    ? nil : "'\(Self.embedTokensKey)' differs from '\(Self.sharedKey)'; T5 ties them, so a file holding both must hold the same table"
            } catch {
                problem = "cannot read '\(Self.embedTokensKey)': \(error)"
            }
            if let problem { throw TextModelError.weightsDoNotMatch(source: weights.sourceDescription, problems: [problem]) }
        }
        self.precision = precision
    }

    /// Builds the encoder with the config read from the weights (`T5EncoderConfig.detect`).
    public init(weights: TensorProvider, precision: MatrixPrecision = .float32, matrices: MatrixStorage = .float32) throws {
        try self.init(config: T5EncoderConfig.detect(from: weights), weights: weights, precision: precision, matrices: matrices)
    }

    /// Builds the encoder with every tensor made by `generate(key, shape)` (random weights for benchmarks).
    public init(config: T5EncoderConfig, generate: (String, [Int]) -> Tensor) throws {
        try config.validate()
        let store = ParameterStore()
        self.init(config: config, declaringIn: store, embeddingKey: Self.sharedKey)
        store.fill(generate)
    }

    init(config: T5EncoderConfig, declaringIn store: ParameterStore, embeddingKey: String) {
        let d = config.dModel, inner = config.innerDim, f = config.dFF
        let feedForward = config.feedForward ?? (true, .geluNew)  // validated by the callers
        self.config = config
        self.store = store
        gated = feedForward.gated
        activation = feedForward.activation
        embedding = store.declare(embeddingKey, [config.vocabSize, d])
        positionTable = store.declare("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
                                      [config.relativeAttentionNumBuckets, config.numHeads])
        let gated = feedForward.gated
        blocks = (0..<config.numLayers).map { i in
            let p = "encoder.block.\(i).layer."
            let norm0 = store.declare(p + "0.layer_norm.weight", [d])
            let parts = ["q", "k", "v"].map { Linear(store, p + "0.SelfAttention." + $0, in: d, out: inner, bias: false) }
            store.keepContiguous(parts.map(\.weight))  // one [3I, D] matrix
            let ff = p + "1.DenseReluDense."
            return Block(attentionNorm: norm0,
                         qkv: Linear(weight: parts[0].weight, bias: nil, in: d, out: 3 * inner),
                         o: Linear(store, p + "0.SelfAttention.o", in: inner, out: d, bias: false),
                         feedForwardNorm: store.declare(p + "1.layer_norm.weight", [d]),
                         wi0: Linear(store, ff + (gated ? "wi_0" : "wi"), in: d, out: f, bias: false),
                         wi1: gated ? Linear(store, ff + "wi_1", in: d, out: f, bias: false) : nil,
                         wo: Linear(store, ff + "wo", in: f, out: d, bias: false))
        }
        finalNorm = store.declare("encoder.final_layer_norm.weight", [d])
    }

    /// The relative-position bias of a T-token sequence: [H, T, T], entry (h, i, j) =
    /// table[bucket(j − i)][h].
    public func positionBias(tokens t: Int) -> Tensor {
        let heads = config.numHeads
        let table = store.value(positionTable)
        // bucket of each relative position j − i in −(T−1) … T−1
        let buckets = (-(t - 1)...max(t - 1, 0)).map { config.relativePositionBucket($0) }
        var bias = Tensor(uninitializedShape: [heads, t, t])
        bias.scalars.withUnsafeMutableBufferPointer { out in
            for h in 0..<heads {
                for i in 0..<t {
                    let row = out.baseAddress! + (h * t + i) * t
                    for j in 0..<t { row[j] = table[buckets[j - i + t - 1] * heads + h] }
                }
            }
        }
        return bias
    }

    /// Encodes one sequence of token ids (256 for SD3, as `T5Tokenizer.encode` gives them) →
    /// `last_hidden_state` [T, D].
    public func encode(_ tokens: [Int]) throws -> Tensor {
        let c = config, d = c.dModel, inner = c.innerDim, f = c.dFF, t = tokens.count
        guard t >= 1 else { throw TextModelError.input("T5 needs at least one token") }
        if let bad = tokens.first(where: { $0 < 0 || $0 >= c.vocabSize }) {
            throw TextModelError.input("token id \(bad) is outside T5's vocabulary of \(c.vocabSize)")
        }
        let ctx = ForwardContext(store: store, precision: precision)
        let x = FloatBuffer(uninitialized: t * d)                       // [T, D]
        let table = store.value(embedding)
        for (i, id) in tokens.enumerated() { (x.p + i * d).update(from: table + id * d, count: d) }
        let bias = FloatBuffer(positionBias(tokens: t))                 // [H, T, T]
        let h = FloatBuffer(uninitialized: t * d)                       // [T, D]
        let qkv = FloatBuffer(uninitialized: t * 3 * inner)             // [T, 3I]
        let attended = FloatBuffer(uninitialized: t * inner)            // [T, I]
        let hidden = FloatBuffer(uninitialized: t * f)                  // [T, F]
        let gate = gated ? FloatBuffer(uninitialized: t * f) : nil      // [T, F]
        for block in blocks {
            // x += o(Attention(RMS(x)), scale 1, + position bias)
            rms(x.p, into: h.p, rows: t, weight: block.attentionNorm)
            block.qkv.forward(ctx, rows: t, x: h.p, ldx: d, y: qkv.p, ldy: 3 * inner)
            multiHeadAttention(q: qkv.p, k: qkv.p + inner, v: qkv.p + 2 * inner, stride: 3 * inner, batch: 1, tokens: t,
                               heads: c.numHeads, headDim: c.dKV, out: attended.p, ldo: inner, precision: ctx.precision,
                               scale: 1, scoreBias: bias.p)
            block.o.forward(ctx, rows: t, x: attended.p, ldx: inner, y: h.p, ldy: d)
            for i in 0..<(t * d) { x.p[i] += h.p[i] }
            // x += wo(act(wi_0 RMS(x)) ⊙ wi_1 RMS(x))
            rms(x.p, into: h.p, rows: t, weight: block.feedForwardNorm)
            block.wi0.forward(ctx, rows: t, x: h.p, ldx: d, y: hidden.p, ldy: f)
            activation.apply(hidden.p, count: t * f)
            if let wi1 = block.wi1, let gate {
                wi1.forward(ctx, rows: t, x: h.p, ldx: d, y: gate.p, ldy: f)
                for i in 0..<(t * f) { hidden.p[i] *= gate.p[i] }
            }
            block.wo.forward(ctx, rows: t, x: hidden.p, ldx: f, y: h.p, ldy: d)
            for i in 0..<(t * d) { x.p[i] += h.p[i] }
        }
        rms(x.p, into: h.p, rows: t, weight: finalNorm)
        return h.tensor([t, d])
    }

    /// T5's LayerNorm (RMS, eps from the config) of `rows` rows of D: `x` → `y`.
    func rms(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, rows: Int, weight: Int) {
        let d = config.dModel
        y.update(from: x, count: rows * d)
        rmsNormRows(y, rows: rows, stride: d, weight: store.value(weight), width: d, eps: config.layerNormEpsilon)
    }
}
