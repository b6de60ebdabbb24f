import FlowCore

// Dimension letters: B batch, L tokens per sequence, R = B·L rows, E width, H heads, F MLP width.

/// The demo model's text transformer: token + position embeddings, then per layer
/// x += Attn(RMSNorm(x)); x += MLP(RMSNorm(x)) (GELU-tanh), then a final RMSNorm. Its token states
/// are the context sequence and the `<cls>` state the pooled vector. One forward serves inference
/// and training; with a `Tape` it keeps what `backward` (DemoTextTransformer+Backward.swift) needs.
public struct DemoTextTransformer: @unchecked Sendable {
    public let config: TextEncoderConfig
    /// The tensors, named `text_encoder.*` (shared with the MM-DiT's when training).
    public let store: ParameterStore
    /// The arithmetic of large matrix products.
    public var precision: MatrixPrecision = .float32
    let tokenEmbedding: Int     // [V, E]
    let positionEmbedding: Int  // [L, E]
    struct Layer: Sendable {
        let norm1: Int          // [E]
        let qkv: Linear         // E → 3E
        let out: Linear         // E → E
        let norm2: Int          // [E]
        let mlp: FeedForward    // E → F → E
    }
    let layers: [Layer]
    let finalNorm: Int          // [E]

    /// Declares the tensors (in `TextEncoderConfig.weightShapes` order) in `store`.
    public init(config: TextEncoderConfig, declaringIn store: ParameterStore) {
        let e = config.width, prefix = TextEncoderConfig.prefix
        self.config = config
        self.store = store
        tokenEmbedding = store.declare(prefix + "token_embedding.weight", [config.vocabularySize, e])
        positionEmbedding = store.declare(prefix + "position_embedding.weight", [config.length, e])
        layers = (0..<config.layers).map { i in
            let p = prefix + "layers.\(i)."
            return Layer(norm1: store.declare(p + "norm1.weight", [e]),
                         qkv: Linear(store, p + "attn.qkv", in: e, out: 3 * e),
                         out: Linear(store, p + "attn.out", in: e, out: e),
                         norm2: store.declare(p + "norm2.weight", [e]),
                         mlp: FeedForward(store, p + "mlp", width: e, hidden: config.mlpWidth, upName: ".up", downName: ".down"))
        }
        finalNorm = store.declare(prefix + "final_norm.weight", [e])
    }

    /// The outputs of one forward.
    public struct Output {
        /// [B, L, E]: the context sequence.
        public let context: FloatBuffer
        /// [B, E]: the `<cls>` states.
        public let pooled: FloatBuffer
    }

    /// Token sequences [B][L] → (context [B, L, E], pooled [B, E]). With a tape (from `makeTape`), keeps
    /// what backward needs.
    public func forward(tokens: [[Int]], tape: Tape?) -> Output {
        let ctx = ForwardContext(store: store, precision: precision)
        let (batch, l, e, heads) = (tokens.count, config.length, config.width, config.heads)
        let rows = batch * l
        let x = FloatBuffer(uninitialized: rows * e)                                              // [B, L, E]
        let tok = store.value(tokenEmbedding), pos = store.value(positionEmbedding)
        for (b, sequence) in tokens.enumerated() {
            precondition(sequence.count == l, "token sequences must have length \(l)")
            for (i, token) in sequence.enumerated() {
                let dst = x.p + (b * l + i) * e
                for j in 0..<e { dst[j] = tok[token * e + j] + pos[i * e + j] }
            }
        }
        for (index, layer) in layers.enumerated() {
            let t = tape?.layers[index] ?? Tape.LayerTape(batch: batch, length: l, width: e, heads: heads, mlpWidth: config.mlpWidth, keep: false)
            t.input?.p.update(from: x.p, count: rows * e)
            // x += out(Attn(qkv(RMSNorm(x))))
            t.normed1.p.update(from: x.p, count: rows * e)
            rmsNormRows(t.normed1.p, rows: rows, stride: e, weight: store.value(layer.norm1), width: e, rstd: t.rstd1?.p)   // [R, E]
            layer.qkv.forward(ctx, rows: rows, x: t.normed1.p, ldx: e, y: t.qkv.p, ldy: 3 * e)                         // [R, 3E]
            if let probs = t.probs {
                multiHeadAttentionKeepingProbabilities(q: t.qkv.p, k: t.qkv.p + e, v: t.qkv.p + 2 * e, stride: 3 * e, batch: batch,
                                                       tokens: l, heads: heads, headDim: e / heads, probs: probs.p, out: t.attended.p,
                                                       ldo: e, precision: ctx.precision)
            } else {
                multiHeadAttention(q: t.qkv.p, k: t.qkv.p + e, v: t.qkv.p + 2 * e, stride: 3 * e, batch: batch, tokens: l,
                                   heads: heads, headDim: e / heads, out: t.attended.p, ldo: e, precision: ctx.precision)  // [R, E]
            }
            let projected = FloatBuffer(uninitialized: rows * e)                                  // [R, E]
            layer.out.forward(ctx, rows: rows, x: t.attended.p, ldx: e, y: projected.p, ldy: e)
            for i in 0..<(rows * e) { x.p[i] += projected.p[i] }
            t.mid?.p.update(from: x.p, count: rows * e)
            // x += MLP(RMSNorm(x))
            t.normed2.p.update(from: x.p, count: rows * e)
            rmsNormRows(t.normed2.p, rows: rows, stride: e, weight: store.value(layer.norm2), width: e, rstd: t.rstd2?.p)   // [R, E]
            layer.mlp.forward(ctx, rows: rows, x: t.normed2.p, out: t.mlpOut.p, tape: t.mlp)                            // [R, E]
            for i in 0..<(rows * e) { x.p[i] += t.mlpOut.p[i] }
        }
        tape?.final.p.update(from: x.p, count: rows * e)
        rmsNormRows(x.p, rows: rows, stride: e, weight: store.value(finalNorm), width: e, rstd: tape?.rstdFinal.p)   // [B, L, E]
        let pooled = FloatBuffer(uninitialized: batch * e)                                        // [B, E]
        for b in 0..<batch { (pooled.p + b * e).update(from: x.p + b * l * e, count: e) }
        tape?.output = Output(context: x, pooled: pooled)
        return Output(context: x, pooled: pooled)
    }
}
