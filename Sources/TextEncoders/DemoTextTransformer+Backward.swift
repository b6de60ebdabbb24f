import FlowCore

// Legend: see DemoTextTransformer.swift. The forward's steps, reversed.

extension DemoTextTransformer {
    /// Backward from the gradients of the context [B, L, E] and pooled [B, E] outputs:
    /// accumulates every parameter's gradient in the store.
    public func backward(tape: Tape, dContext: UnsafePointer<Float>, dPooled: UnsafePointer<Float>) {
        let ctx = ForwardContext(store: store, precision: precision)
        let (batch, l, e, heads) = (tape.tokens.count, config.length, config.width, config.heads)
        let rows = batch * l
        let dOut = FloatBuffer(uninitialized: rows * e)                                           // [R, E]
        dOut.p.update(from: dContext, count: rows * e)
        for b in 0..<batch { for j in 0..<e { dOut.p[b * l * e + j] += dPooled[b * e + j] } }
        let dX = FloatBuffer(rows * e)                                                            // [R, E]
        rmsNormBackward(dy: dOut.p, x: tape.final.p, stride: e, weight: store.value(finalNorm), rstd: tape.rstdFinal.p,
                        dx: dX.p, dxStride: e, accumulate: false, dWeight: store.grad(finalNorm), rows: rows, width: e)
        for (layer, t) in zip(layers, tape.layers).reversed() {
            // x_out = mid + MLP(norm2(mid))
            let dNormed2 = FloatBuffer(uninitialized: rows * e)
            layer.mlp.backward(ctx, rows: rows, x: t.normed2.p, tape: t.mlp!, dOut: dX.p, dx: dNormed2.p)
            rmsNormBackward(dy: dNormed2.p, x: t.mid!.p, stride: e, weight: store.value(layer.norm2), rstd: t.rstd2!.p,
                            dx: dX.p, dxStride: e, accumulate: true, dWeight: store.grad(layer.norm2), rows: rows, width: e)
            // mid = input + out(Attn(qkv(norm1(input))))
            let dAttended = FloatBuffer(uninitialized: rows * e), dqkv = FloatBuffer(uninitialized: rows * 3 * e)
            let dNormed1 = FloatBuffer(uninitialized: rows * e)
            layer.out.backward(ctx, rows: rows, x: t.attended.p, ldx: e, dy: dX.p, ldy: e, dx: dAttended.p, lddx: e)
            multiHeadAttentionBackward(q: t.qkv.p, k: t.qkv.p + e, v: t.qkv.p + 2 * e, stride: 3 * e, probs: t.probs!.p,
                                       dOut: dAttended.p, ldo: e, dq: dqkv.p, dk: dqkv.p + e, dv: dqkv.p + 2 * e,
                                       batch: batch, tokens: l, heads: heads, headDim: e / heads, precision: ctx.precision)
            layer.qkv.backward(ctx, rows: rows, x: t.normed1.p, ldx: e, dy: dqkv.p, ldy: 3 * e, dx: dNormed1.p, lddx: e)
            rmsNormBackward(dy: dNormed1.p, x: t.input!.p, stride: e, weight: store.value(layer.norm1), rstd: t.rstd1!.p,
                            dx: dX.p, dxStride: e, accumulate: true, dWeight: store.grad(layer.norm1), rows: rows, width: e)
        }
        let dTok = store.grad(tokenEmbedding), dPos = store.grad(positionEmbedding)
        for (b, sequence) in tape.tokens.enumerated() {
            for (i, token) in sequence.enumerated() {
                let src = dX.p + (b * l + i) * e
                for j in 0..<e {
                    dTok[token * e + j] += src[j]
                    dPos[i * e + j] += src[j]
                }
            }
        }
    }
}
