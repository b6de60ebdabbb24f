import FlowCore

// Dimension letters (as in the paper's Figure 2 and diffusers' `JointTransformerBlock`):
//   B batch, N image tokens, L context (text) tokens, T = N + L joint tokens,
//   D hidden width, H heads, Dh = D/H head width, F feed-forward width (4D),
//   k·D a modulation vector of k chunks (shift, scale, gate, …) per batch item.
// Buffers are row-major; "[B, N, D]" is B·N rows of D floats.

/// One MM-DiT joint block: an image stream x and a context stream c, each with its own
/// AdaLN-Zero modulation, q/k/v projections and MLP, joined only inside one attention over the
/// concatenated tokens [x | c]. The last block is "context pre-only": its context stream only
/// feeds keys and values. MMDiT-X blocks (SD3.5-medium) add an image-only self-attention `attn2`.
///
/// `forward` reads like Figure 2: pre-attention (LayerNorm + modulation), joint attention,
/// post-attention (gated residuals and MLPs). With a `Tape` it keeps what `backward`
/// (JointBlock+Backward.swift) needs; without one it keeps nothing.
struct JointBlock: Sendable {
    /// `norm1.linear`: D → 6D (shift, scale, gate for attention and MLP); 9D in MMDiT-X blocks
    /// (+ shift, scale, gate of the second attention).
    let imageModulation: Linear
    /// `norm1_context.linear`: D → 6D, or D → 2D (scale, shift) in the last block.
    let contextModulation: Linear
    let imageAttention: StreamAttention
    let contextAttention: StreamAttention
    /// `attn2`: the image-only self-attention of MMDiT-X blocks.
    let imageSelfAttention: StreamAttention?
    let imageMLP: FeedForward
    /// `ff_context`; nil in the last block.
    let contextMLP: FeedForward?
    let width: Int, heads: Int

    init(_ store: ParameterStore, _ config: MMDiTConfig, prefix: String, index: Int) {
        let p = prefix + "transformer_blocks.\(index)."
        let d = config.hiddenSize, f = config.mlpHiddenSize
        let preOnly = index == config.depth - 1
        let dual = config.hasDualAttention(index)
        imageModulation = Linear(store, p + "norm1.linear", in: d, out: (dual ? 9 : 6) * d)
        contextModulation = Linear(store, p + "norm1_context.linear", in: d, out: (preOnly ? 2 : 6) * d)
        // Declared in this order (the order of a training run's parameter ids and initial values).
        let imageQKV = StreamAttention.declareQKV(store, p + "attn.", ("to_q", "to_k", "to_v"), width: d)
        let contextQKV = StreamAttention.declareQKV(store, p + "attn.", ("add_q_proj", "add_k_proj", "add_v_proj"), width: d)
        let imageNorms = StreamAttention.declareNorms(store, config, q: p + "attn.norm_q", k: p + "attn.norm_k")
        let contextNorms = StreamAttention.declareNorms(store, config, q: p + "attn.norm_added_q", k: p + "attn.norm_added_k")
        imageAttention = StreamAttention(qkv: imageQKV, normQ: imageNorms?.q, normK: imageNorms?.k,
                                         output: Linear(store, p + "attn.to_out.0", in: d, out: d), heads: config.heads)
        contextAttention = StreamAttention(qkv: contextQKV, normQ: contextNorms?.q, normK: contextNorms?.k,
                                           output: preOnly ? nil : Linear(store, p + "attn.to_add_out", in: d, out: d),
                                           heads: config.heads)
        if dual {
            let qkv2 = StreamAttention.declareQKV(store, p + "attn2.", ("to_q", "to_k", "to_v"), width: d)
            let norms2 = StreamAttention.declareNorms(store, config, q: p + "attn2.norm_q", k: p + "attn2.norm_k")
            imageSelfAttention = StreamAttention(qkv: qkv2, normQ: norms2?.q, normK: norms2?.k,
                                                 output: Linear(store, p + "attn2.to_out.0", in: d, out: d), heads: config.heads)
        } else {
            imageSelfAttention = nil
        }
        imageMLP = FeedForward(store, p + "ff", width: d, hidden: f)
        contextMLP = preOnly ? nil : FeedForward(store, p + "ff_context", width: d, hidden: f)
        width = d
        heads = config.heads
    }

    var contextPreOnly: Bool { contextMLP == nil }
    var imageChunks: Int { imageSelfAttention == nil ? 6 : 9 }
    var contextChunks: Int { contextPreOnly ? 2 : 6 }
    /// Chunk order: AdaLN-Zero (shift, scale, gate, …); the last block's continuous AdaLN (scale, shift).
    var contextShiftScale: (shift: Int, scale: Int) { contextPreOnly ? (1, 0) : (0, 1) }

    /// Runs the block in place on `x` [B, N, D] and `c` [B, L, D] (c is unchanged in the last
    /// block) with `conditioning` [B, D] = SiLU(temb).
    func forward(_ ctx: ForwardContext, x: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>,
                 conditioning: UnsafePointer<Float>, batch: Int, n: Int, l: Int, tape: Tape?) {
        let s = Shape(batch: batch, n: n, l: l, d: width, heads: heads)
        let a = tape ?? Tape(self, s, keepingEverything: false)
        // Pre-attention: AdaLN modulation vectors, then LayerNorm + modulate each stream.
        imageModulation.forward(ctx, rows: batch, x: conditioning, ldx: width, y: a.modX.p, ldy: imageChunks * width)      // [B, 6D | 9D]
        contextModulation.forward(ctx, rows: batch, x: conditioning, ldx: width, y: a.modC.p, ldy: contextChunks * width)  // [B, 6D | 2D]
        normalizeAndModulateImage(s, x: x, a)                                                                            // hx, hx2 [B, N, D]
        normalizeAndModulate(c, rows: s.contextRows, tokens: l, into: a.cNorm, rstd: a.rstdC, modulated: a.hc,
                             mod: a.modC, chunks: contextShiftScale, modStride: contextChunks * width, batch: batch)     // hc [B, L, D]
        // Joint attention over [image | context] tokens.
        jointAttention(ctx, s, a)                                                                                        // attended [B, T, D]
        // Post-attention, image stream: gated attention residual, MMDiT-X second attention, gated MLP.
        projectImageRows(ctx, s, a)                                                                                      // imageOut [B, N, D]
        addGated(a.imageOut.p, into: x, batch: batch, tokens: n, width: width, gate: a.modX.p + 2 * width, modStride: imageChunks * width)
        if let attention2 = imageSelfAttention, let second = a.second, let hx2 = a.hx2 {
            selfAttention(ctx, attention2, s, x: hx2, second)                                                            // out [B, N, D]
            addGated(second.out.p, into: x, batch: batch, tokens: n, width: width, gate: a.modX.p + 8 * width, modStride: imageChunks * width)
        }
        mlpResidual(ctx, imageMLP, stream: x, rows: s.imageRows, tokens: n, batch: batch, mod: a.modX, modStride: imageChunks * width, a.imageMLP)
        // Post-attention, context stream (not in the last block).
        if let contextMLP, let contextMLPTape = a.contextMLP, let contextOut = a.contextOut {
            projectContextRows(ctx, s, a, into: contextOut)                                                              // [B, L, D]
            addGated(contextOut.p, into: c, batch: batch, tokens: l, width: width, gate: a.modC.p + 2 * width, modStride: contextChunks * width)
            mlpResidual(ctx, contextMLP, stream: c, rows: s.contextRows, tokens: l, batch: batch, mod: a.modC,
                        modStride: contextChunks * width, contextMLPTape)
        }
    }

    /// xNorm = LN(x); hx = xNorm·(1 + scale₁) + shift₁; in MMDiT-X blocks also hx2 with chunks 6, 7.
    private func normalizeAndModulateImage(_ s: Shape, x: UnsafePointer<Float>, _ a: Tape) {
        let k = imageChunks * width
        normalizeAndModulate(x, rows: s.imageRows, tokens: s.n, into: a.xNorm, rstd: a.rstdX, modulated: a.hx,
                             mod: a.modX, chunks: (0, 1), modStride: k, batch: s.batch)                                  // [B, N, D]
        if let hx2 = a.hx2 {
            modulate(a.xNorm.p, into: hx2.p, batch: s.batch, tokens: s.n, width: width,
                     shift: a.modX.p + 6 * width, scale: a.modX.p + 7 * width, modStride: k)                             // [B, N, D]
        }
    }

    /// `normed` = LN(`stream`) (keeping `rstd`), `modulated` = normed·(1 + scale) + shift.
    private func normalizeAndModulate(_ stream: UnsafePointer<Float>, rows: Int, tokens: Int, into normed: FloatBuffer,
                                      rstd: FloatBuffer?, modulated: FloatBuffer, mod: FloatBuffer,
                                      chunks: (shift: Int, scale: Int), modStride: Int, batch: Int) {
        normed.p.update(from: stream, count: rows * width)
        layerNormRows(normed.p, rows: rows, width: width, stride: width, rstd: rstd?.p)
        modulate(normed.p, into: modulated.p, batch: batch, tokens: tokens, width: width,
                 shift: mod.p + chunks.shift * width, scale: mod.p + chunks.scale * width, modStride: modStride)
    }

    /// q|k|v of both streams into the joint layout (per item: image rows, then context rows),
    /// qk-norm, then one attention over all T tokens.
    private func jointAttention(_ ctx: ForwardContext, _ s: Shape, _ a: Tape) {
        let (d, t, n, l) = (width, s.t, s.n, s.l)
        let qkv = a.qkv.p                                                                                // [B, T, 3D]
        for b in 0..<s.batch {
            imageAttention.project(ctx, rows: n, x: a.hx.p + b * n * d, into: qkv + b * t * 3 * d, ldq: 3 * d)           // [N, 3D]
            contextAttention.project(ctx, rows: l, x: a.hc.p + b * l * d, into: qkv + (b * t + n) * 3 * d, ldq: 3 * d)  // [L, 3D]
        }
        a.qkvPre?.p.update(from: qkv, count: s.jointRows * 3 * d)
        for b in 0..<s.batch {
            imageAttention.normalizeQK(ctx, rows: n, qkv: qkv + b * t * 3 * d,
                                       rstdQ: a.rstdQ.map { $0.p + b * t * heads }, rstdK: a.rstdK.map { $0.p + b * t * heads })
            contextAttention.normalizeQK(ctx, rows: l, qkv: qkv + (b * t + n) * 3 * d,
                                         rstdQ: a.rstdQ.map { $0.p + (b * t + n) * heads }, rstdK: a.rstdK.map { $0.p + (b * t + n) * heads })
        }
        attend(ctx, qkv: qkv, batch: s.batch, tokens: t, probs: a.probs, out: a.attended.p)                 // [B, T, D]
    }

    /// Multi-head attention over q|k|v rows [B, tokens, 3D] → [B, tokens, D]; keeps the softmax
    /// probabilities when given a buffer for them (training).
    func attend(_ ctx: ForwardContext, qkv: UnsafePointer<Float>, batch: Int, tokens: Int, probs: FloatBuffer?,
                out: UnsafeMutablePointer<Float>) {
        let d = width
        if let probs {
            multiHeadAttentionKeepingProbabilities(q: qkv, k: qkv + d, v: qkv + 2 * d, stride: 3 * d, batch: batch, tokens: tokens,
                                                   heads: heads, headDim: d / heads, probs: probs.p, out: out, ldo: d,
                                                   precision: ctx.precision)
        } else {
            multiHeadAttention(q: qkv, k: qkv + d, v: qkv + 2 * d, stride: 3 * d, batch: batch, tokens: tokens,
                               heads: heads, headDim: d / heads, out: out, ldo: d, precision: ctx.precision)
        }
    }

    /// MMDiT-X: out [B, N, D] = to_out(Attn(q|k|v(hx2))) over the image tokens alone.
    private func selfAttention(_ ctx: ForwardContext, _ attention2: StreamAttention, _ s: Shape, x hx2: FloatBuffer,
                               _ a: SelfAttentionTape) {
        let d = width
        attention2.project(ctx, rows: s.imageRows, x: hx2.p, into: a.qkv.p, ldq: 3 * d)                              // [B, N, 3D]
        a.qkvPre?.p.update(from: a.qkv.p, count: s.imageRows * 3 * d)
        attention2.normalizeQK(ctx, rows: s.imageRows, qkv: a.qkv.p, rstdQ: a.rstdQ?.p, rstdK: a.rstdK?.p)
        attend(ctx, qkv: a.qkv.p, batch: s.batch, tokens: s.n, probs: a.probs, out: a.attended.p)                   // [B, N, D]
        attention2.output!.forward(ctx, rows: s.imageRows, x: a.attended.p, ldx: d, y: a.out.p, ldy: d)              // [B, N, D]
    }

    /// imageOut [B, N, D] = to_out(attended image rows), one product per item.
    private func projectImageRows(_ ctx: ForwardContext, _ s: Shape, _ a: Tape) {
        for b in 0..<s.batch {
            imageAttention.output!.forward(ctx, rows: s.n, x: a.attended.p + b * s.t * width, ldx: width,
                                           y: a.imageOut.p + b * s.n * width, ldy: width)
        }
    }

    /// contextOut [B, L, D] = to_add_out(attended context rows), one product per item.
    private func projectContextRows(_ ctx: ForwardContext, _ s: Shape, _ a: Tape, into out: FloatBuffer) {
        for b in 0..<s.batch {
            contextAttention.output!.forward(ctx, rows: s.l, x: a.attended.p + (b * s.t + s.n) * width, ldx: width,
                                             y: out.p + b * s.l * width, ldy: width)
        }
    }

    /// `stream += gate₅ ⊙ MLP(LN(stream)·(1 + scale₄) + shift₃)` (chunks 3, 4, 5).
    private func mlpResidual(_ ctx: ForwardContext, _ mlp: FeedForward, stream: UnsafeMutablePointer<Float>, rows: Int,
                             tokens: Int, batch: Int, mod: FloatBuffer, modStride: Int, _ m: MLPTape) {
        normalizeAndModulate(stream, rows: rows, tokens: tokens, into: m.normed, rstd: m.rstd, modulated: m.modulated,
                             mod: mod, chunks: (3, 4), modStride: modStride, batch: batch)                             // [R, D]
        mlp.forward(ctx, rows: rows, x: m.modulated.p, out: m.out.p, tape: m.ff)                                          // [R, D]
        addGated(m.out.p, into: stream, batch: batch, tokens: tokens, width: width, gate: mod.p + 5 * width, modStride: modStride)
    }
}
