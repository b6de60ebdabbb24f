import FlowCore

/// One MM-DiT joint block (diffusers' `JointTransformerBlock`): an image stream and a context
/// stream, each with its own AdaLN-Zero modulation, q/k/v projections and MLP, joined only
/// inside one attention over the concatenated tokens (image first, then context).
/// The last block is "context pre-only": its context stream only feeds keys and values.
struct JointBlock {
    /// `norm1.linear`: D → 6D (shift, scale, gate for attention and MLP); 9D in MMDiT-X blocks
    /// (+ shift, scale, gate of the second attention).
    let imageModulation: Linear
    /// `norm1_context.linear`: D → 6D, or D → 2D (scale, shift) in the last block.
    let contextModulation: Linear
    let imageAttention: StreamAttention
    let contextAttention: StreamAttention
    /// `attn2`: the image-only self-attention of MMDiT-X blocks (SD3.5-medium).
    let imageSelfAttention: StreamAttention?
    let imageMLP: FeedForward
    /// `ff_context`; nil in the last block.
    let contextMLP: FeedForward?
    let heads: Int
    var contextPreOnly: Bool { contextMLP == nil }

    init(_ store: WeightStore, _ config: MMDiTConfig, index: Int) {
        let p = "transformer_blocks.\(index)."
        let d = config.hiddenSize
        let preOnly = index == config.depth - 1
        let dual = config.hasDualAttention(index)
        imageModulation = store.linear(p + "norm1.linear", in: d, out: (dual ? 9 : 6) * d)
        contextModulation = store.linear(p + "norm1_context.linear", in: d, out: (preOnly ? 2 : 6) * d)
        imageAttention = StreamAttention(store, config, q: p + "attn.to_q", k: p + "attn.to_k", v: p + "attn.to_v",
                                         normQ: p + "attn.norm_q", normK: p + "attn.norm_k", output: p + "attn.to_out.0")
        contextAttention = StreamAttention(store, config, q: p + "attn.add_q_proj", k: p + "attn.add_k_proj",
                                           v: p + "attn.add_v_proj", normQ: p + "attn.norm_added_q",
                                           normK: p + "attn.norm_added_k", output: preOnly ? nil : p + "attn.to_add_out")
        imageSelfAttention = dual
            ? StreamAttention(store, config, q: p + "attn2.to_q", k: p + "attn2.to_k", v: p + "attn2.to_v",
                              normQ: p + "attn2.norm_q", normK: p + "attn2.norm_k", output: p + "attn2.to_out.0")
            : nil
        imageMLP = FeedForward(store, config, prefix: p + "ff")
        contextMLP = preOnly ? nil : FeedForward(store, config, prefix: p + "ff_context")
        heads = config.heads
    }

    /// Runs the block. `x` [B, N, D] image tokens, `c` [B, L, D] context tokens (unchanged in
    /// the last block), `conditioning` [B, D] = SiLU(temb).
    func callAsFunction(x: inout Tensor, c: inout Tensor, conditioning: Tensor) {
        let (batch, n, d) = (x.shape[0], x.shape[1], x.shape[2])
        let l = c.shape[1]
        let t = n + l
        let modX = imageModulation(conditioning)     // [B, 6D | 9D]
        let modC = contextModulation(conditioning)   // [B, 6D | 2D]
        let strideX = modX.shape[1], strideC = modC.shape[1]

        // Pre-attention: LN + modulation of both streams.
        let xNorm = layerNorm(x)                     // [B, N, D]
        var hx = Tensor(uninitializedShape: [batch, n, d])        // modulated for the joint attention
        var hx2: Tensor? = imageSelfAttention == nil ? nil : Tensor(uninitializedShape: [batch, n, d])
        let cNorm = layerNorm(c)                     // [B, L, D]
        var hc = Tensor(uninitializedShape: [batch, l, d])
        // Chunk order: AdaLN-Zero (shift, scale, gate, …); the last block's continuous AdaLN (scale, shift).
        let (cShift, cScale) = contextPreOnly ? (1, 0) : (0, 1)
        modX.scalars.withUnsafeBufferPointer { mx in
            modC.scalars.withUnsafeBufferPointer { mc in
                let mx = mx.baseAddress!, mc = mc.baseAddress!
                xNorm.scalars.withUnsafeBufferPointer { src in
                    hx.scalars.withUnsafeMutableBufferPointer { dst in
                        modulate(src.baseAddress!, into: dst.baseAddress!, batch: batch, tokens: n, width: d,
                                 shift: mx, scale: mx + d, modStride: strideX)
                    }
                    if hx2 != nil {
                        hx2!.scalars.withUnsafeMutableBufferPointer { dst in
                            modulate(src.baseAddress!, into: dst.baseAddress!, batch: batch, tokens: n, width: d,
                                     shift: mx + 6 * d, scale: mx + 7 * d, modStride: strideX)
                        }
                    }
                }
                cNorm.scalars.withUnsafeBufferPointer { src in
                    hc.scalars.withUnsafeMutableBufferPointer { dst in
                        modulate(src.baseAddress!, into: dst.baseAddress!, batch: batch, tokens: l, width: d,
                                 shift: mc + cShift * d, scale: mc + cScale * d, modStride: strideC)
                    }
                }
            }
        }

        // Joint attention over [image | context] tokens.
        var qkv = Tensor(uninitializedShape: [batch, t, 3 * d])   // [B, T, 3D]
        var attended = Tensor(uninitializedShape: [batch, t, d])  // [B, T, D]
        qkv.scalars.withUnsafeMutableBufferPointer { pqkv in
            let q = pqkv.baseAddress!
            hx.scalars.withUnsafeBufferPointer { px in
                hc.scalars.withUnsafeBufferPointer { pc in
                    for b in 0..<batch {
                        imageAttention.project(rows: n, x: px.baseAddress! + b * n * d, into: q + b * t * 3 * d, heads: heads)
                        contextAttention.project(rows: l, x: pc.baseAddress! + b * l * d, into: q + (b * t + n) * 3 * d, heads: heads)
                    }
                }
            }
            attended.scalars.withUnsafeMutableBufferPointer { out in
                multiHeadAttention(q: q, k: q + d, v: q + 2 * d, stride: 3 * d, batch: batch, tokens: t,
                                   heads: heads, headDim: d / heads, out: out.baseAddress!, ldo: d)
            }
        }

        // Image stream: gated attention residual, optional second attention, gated MLP.
        let imageOut = projectRows(attended, output: imageAttention.output!, batch: batch, first: 0, count: n, total: t)
        addGatedResidual(imageOut, into: &x, modulation: modX, chunk: 2)
        if let attention2 = imageSelfAttention, let hx2 {
            var qkv2 = Tensor(uninitializedShape: [batch, n, 3 * d])  // [B, N, 3D]
            var attended2 = Tensor(uninitializedShape: [batch, n, d])
            qkv2.scalars.withUnsafeMutableBufferPointer { pqkv in
                let q = pqkv.baseAddress!
                hx2.scalars.withUnsafeBufferPointer { attention2.project(rows: batch * n, x: $0.baseAddress!, into: q, heads: heads) }
                attended2.scalars.withUnsafeMutableBufferPointer { out in
                    multiHeadAttention(q: q, k: q + d, v: q + 2 * d, stride: 3 * d, batch: batch, tokens: n,
                                       heads: heads, headDim: d / heads, out: out.baseAddress!, ldo: d)
                }
            }
            addGatedResidual(attention2.output!(attended2), into: &x, modulation: modX, chunk: 8)
        }
        mlpResidual(&x, mlp: imageMLP, modulation: modX)

        // Context stream (not in the last block).
        if let contextMLP, let contextOutput = contextAttention.output {
            let contextOut = projectRows(attended, output: contextOutput, batch: batch, first: n, count: l, total: t)
            addGatedResidual(contextOut, into: &c, modulation: modC, chunk: 2)
            mlpResidual(&c, mlp: contextMLP, modulation: modC)
        }
    }

    /// Applies `output` to tokens `first..<first+count` of each item of `attended` [B, T, D] → [B, count, D].
    private func projectRows(_ attended: Tensor, output: Linear, batch: Int, first: Int, count: Int, total: Int) -> Tensor {
        let d = attended.shape[2]
        return Tensor(shape: [batch, count, d]) { out in
            attended.scalars.withUnsafeBufferPointer { src in
                for b in 0..<batch {
                    output.apply(rows: count, x: src.baseAddress! + (b * total + first) * d, ldx: d,
                                 y: out.baseAddress! + b * count * d, ldy: d)
                }
            }
        }
    }

    /// `x += gate ⊙ y`, the gate being chunk `chunk` of `modulation` [B, k·D].
    private func addGatedResidual(_ y: Tensor, into x: inout Tensor, modulation: Tensor, chunk: Int) {
        let (batch, tokens, d) = (x.shape[0], x.shape[1], x.shape[2])
        x.scalars.withUnsafeMutableBufferPointer { px in
            y.scalars.withUnsafeBufferPointer { py in
                modulation.scalars.withUnsafeBufferPointer { pm in
                    addGated(py.baseAddress!, into: px.baseAddress!, batch: batch, tokens: tokens, width: d,
                             gate: pm.baseAddress! + chunk * d, modStride: modulation.shape[1])
                }
            }
        }
    }

    /// `x += gate_mlp ⊙ MLP(LN(x)·(1 + scale_mlp) + shift_mlp)` with chunks 3, 4, 5.
    private func mlpResidual(_ x: inout Tensor, mlp: FeedForward, modulation: Tensor) {
        let (batch, tokens, d) = (x.shape[0], x.shape[1], x.shape[2])
        var h = layerNorm(x)  // [B, tokens, D]
        h.scalars.withUnsafeMutableBufferPointer { ph in
            modulation.scalars.withUnsafeBufferPointer { pm in
                modulate(ph.baseAddress!, into: ph.baseAddress!, batch: batch, tokens: tokens, width: d,
                         shift: pm.baseAddress! + 3 * d, scale: pm.baseAddress! + 4 * d, modStride: modulation.shape[1])
            }
        }
        addGatedResidual(mlp(h), into: &x, modulation: modulation, chunk: 5)
    }
}
