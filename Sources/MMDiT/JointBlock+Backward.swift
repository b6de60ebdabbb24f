import FlowCore

// Legend: see JointBlock.swift (B, N, L, T = N + L, D, H, F). The steps of `forward`, reversed.

extension JointBlock {
    /// Backward through the block from its tape. `dX` [B, N, D] and `dC` [B, L, D] hold the
    /// gradients of the block's outputs and become those of its inputs, in place; `dConditioning`
    /// [B, D] accumulates; parameter gradients accumulate in the store.
    func backward(_ ctx: ForwardContext, tape a: Tape, conditioning: UnsafePointer<Float>,
                  dX: UnsafeMutablePointer<Float>, dC: UnsafeMutablePointer<Float>, dConditioning: UnsafeMutablePointer<Float>) {
        let s = a.shape, d = width
        let kx = imageChunks * d, kc = contextChunks * d
        let dModX = FloatBuffer(s.batch * kx), dModC = FloatBuffer(s.batch * kc)   // [B, 6D | 9D], [B, 6D | 2D]
        let dAttended = FloatBuffer(s.jointRows * d)                               // [B, T, D]

        // Post-attention, image stream, reversed: MLP residual, MMDiT-X residual, attention residual.
        mlpResidualBackward(ctx, imageMLP, dStream: dX, rows: s.imageRows, tokens: s.n, batch: s.batch,
                            mod: a.modX, dMod: dModX, modStride: kx, a.imageMLP)
        var dhx2: FloatBuffer?                                                     // [B, N, D]
        if let attention2 = imageSelfAttention, let second = a.second, let hx2 = a.hx2 {
            let dOut2 = FloatBuffer(uninitialized: s.imageRows * d)                // [B, N, D]
            addGatedBackward(dOut: dX, y: second.out.p, gate: a.modX.p + 8 * d, dy: dOut2.p, dGate: dModX.p + 8 * d,
                             batch: s.batch, tokens: s.n, width: d, modStride: kx)
            dhx2 = selfAttentionBackward(ctx, attention2, s, x: hx2, second, dOut: dOut2)
        }
        let dImageOut = FloatBuffer(uninitialized: s.imageRows * d)                // [B, N, D]
        addGatedBackward(dOut: dX, y: a.imageOut.p, gate: a.modX.p + 2 * d, dy: dImageOut.p, dGate: dModX.p + 2 * d,
                         batch: s.batch, tokens: s.n, width: d, modStride: kx)
        for b in 0..<s.batch {
            imageAttention.output!.backward(ctx, rows: s.n, x: a.attended.p + b * s.t * d, ldx: d, dy: dImageOut.p + b * s.n * d,
                                            ldy: d, dx: dAttended.p + b * s.t * d, lddx: d)
        }
        // Post-attention, context stream, reversed.
        if let contextMLP, let contextMLPTape = a.contextMLP, let contextOut = a.contextOut {
            mlpResidualBackward(ctx, contextMLP, dStream: dC, rows: s.contextRows, tokens: s.l, batch: s.batch,
                                mod: a.modC, dMod: dModC, modStride: kc, contextMLPTape)
            let dContextOut = FloatBuffer(uninitialized: s.contextRows * d)        // [B, L, D]
            addGatedBackward(dOut: dC, y: contextOut.p, gate: a.modC.p + 2 * d, dy: dContextOut.p, dGate: dModC.p + 2 * d,
                             batch: s.batch, tokens: s.l, width: d, modStride: kc)
            for b in 0..<s.batch {
                contextAttention.output!.backward(ctx, rows: s.l, x: a.attended.p + (b * s.t + s.n) * d, ldx: d,
                                                  dy: dContextOut.p + b * s.l * d, ldy: d, dx: dAttended.p + (b * s.t + s.n) * d, lddx: d)
            }
        }

        // Joint attention, reversed.
        let (dhx, dhc) = jointAttentionBackward(ctx, s, a, dAttended: dAttended)   // [B, N, D], [B, L, D]

        // Pre-attention, reversed: modulation, then LayerNorm (adding into the residual streams).
        let dxNorm = FloatBuffer(uninitialized: s.imageRows * d)                   // [B, N, D]
        modulateBackward(dy: dhx.p, x: a.xNorm.p, scale: a.modX.p + d, dx: dxNorm.p, accumulate: false,
                         dShift: dModX.p, dScale: dModX.p + d, batch: s.batch, tokens: s.n, width: d, modStride: kx)
        if let dhx2 {
            modulateBackward(dy: dhx2.p, x: a.xNorm.p, scale: a.modX.p + 7 * d, dx: dxNorm.p, accumulate: true,
                             dShift: dModX.p + 6 * d, dScale: dModX.p + 7 * d, batch: s.batch, tokens: s.n, width: d, modStride: kx)
        }
        layerNormBackward(dy: dxNorm.p, y: a.xNorm.p, rstd: a.rstdX!.p, dx: dX, rows: s.imageRows, width: d)
        let (cShift, cScale) = contextShiftScale
        let dcNorm = FloatBuffer(uninitialized: s.contextRows * d)                 // [B, L, D]
        modulateBackward(dy: dhc.p, x: a.cNorm.p, scale: a.modC.p + cScale * d, dx: dcNorm.p, accumulate: false,
                         dShift: dModC.p + cShift * d, dScale: dModC.p + cScale * d, batch: s.batch, tokens: s.l, width: d, modStride: kc)
        layerNormBackward(dy: dcNorm.p, y: a.cNorm.p, rstd: a.rstdC!.p, dx: dC, rows: s.contextRows, width: d)

        // AdaLN linears.
        imageModulation.backward(ctx, rows: s.batch, x: conditioning, ldx: d, dy: dModX.p, ldy: kx, dx: dConditioning, lddx: d, accumulate: true)
        contextModulation.backward(ctx, rows: s.batch, x: conditioning, ldx: d, dy: dModC.p, ldy: kc, dx: dConditioning, lddx: d, accumulate: true)
    }

    /// From d(attended) [B, T, D] to d(hx) [B, N, D] and d(hc) [B, L, D].
    private func jointAttentionBackward(_ ctx: ForwardContext, _ s: Shape, _ a: Tape,
                                        dAttended: FloatBuffer) -> (FloatBuffer, FloatBuffer) {
        let d = width, t = s.t
        let dqkv = FloatBuffer(uninitialized: s.jointRows * 3 * d)                 // [B, T, 3D]
        let q = a.qkv.p
        multiHeadAttentionBackward(q: q, k: q + d, v: q + 2 * d, stride: 3 * d, probs: a.probs!.p, dOut: dAttended.p, ldo: d,
                                   dq: dqkv.p, dk: dqkv.p + d, dv: dqkv.p + 2 * d, batch: s.batch, tokens: t, heads: heads,
                                   headDim: d / heads, precision: ctx.precision)
        if let pre = a.qkvPre, let rq = a.rstdQ, let rk = a.rstdK {
            for b in 0..<s.batch {
                let image = b * t, context = b * t + s.n                           // first joint row of each stream
                imageAttention.normalizeQKBackward(ctx, rows: s.n, pre: pre.p + image * 3 * d, dqkv: dqkv.p + image * 3 * d,
                                                   rstdQ: rq.p + image * heads, rstdK: rk.p + image * heads)
                contextAttention.normalizeQKBackward(ctx, rows: s.l, pre: pre.p + context * 3 * d, dqkv: dqkv.p + context * 3 * d,
                                                     rstdQ: rq.p + context * heads, rstdK: rk.p + context * heads)
            }
        }
        let dhx = FloatBuffer(uninitialized: s.imageRows * d), dhc = FloatBuffer(uninitialized: s.contextRows * d)
        for b in 0..<s.batch {
            imageAttention.qkv.backward(ctx, rows: s.n, x: a.hx.p + b * s.n * d, ldx: d, dy: dqkv.p + b * t * 3 * d, ldy: 3 * d,
                                        dx: dhx.p + b * s.n * d, lddx: d)
            contextAttention.qkv.backward(ctx, rows: s.l, x: a.hc.p + b * s.l * d, ldx: d, dy: dqkv.p + (b * t + s.n) * 3 * d,
                                          ldy: 3 * d, dx: dhc.p + b * s.l * d, lddx: d)
        }
        return (dhx, dhc)
    }

    /// MMDiT-X: from d(out) [B, N, D] of the image self-attention to d(hx2) [B, N, D].
    private func selfAttentionBackward(_ ctx: ForwardContext, _ attention2: StreamAttention, _ s: Shape, x hx2: FloatBuffer,
                                       _ a: SelfAttentionTape, dOut: FloatBuffer) -> FloatBuffer {
        let d = width
        let dAttended = FloatBuffer(uninitialized: s.imageRows * d)                // [B, N, D]
        attention2.output!.backward(ctx, rows: s.imageRows, x: a.attended.p, ldx: d, dy: dOut.p, ldy: d, dx: dAttended.p, lddx: d)
        let dqkv = FloatBuffer(uninitialized: s.imageRows * 3 * d)                 // [B, N, 3D]
        let q = a.qkv.p
        multiHeadAttentionBackward(q: q, k: q + d, v: q + 2 * d, stride: 3 * d, probs: a.probs!.p, dOut: dAttended.p, ldo: d,
                                   dq: dqkv.p, dk: dqkv.p + d, dv: dqkv.p + 2 * d, batch: s.batch, tokens: s.n, heads: heads,
                                   headDim: d / heads, precision: ctx.precision)
        if let pre = a.qkvPre, let rq = a.rstdQ, let rk = a.rstdK {
            attention2.normalizeQKBackward(ctx, rows: s.imageRows, pre: pre.p, dqkv: dqkv.p, rstdQ: rq.p, rstdK: rk.p)
        }
        let dhx2 = FloatBuffer(uninitialized: s.imageRows * d)                     // [B, N, D]
        attention2.qkv.backward(ctx, rows: s.imageRows, x: hx2.p, ldx: d, dy: dqkv.p, ldy: 3 * d, dx: dhx2.p, lddx: d)
        return dhx2
    }

    /// Backward of `mlpResidual`: `dStream` goes from d(stream after) to d(stream before) in place.
    private func mlpResidualBackward(_ ctx: ForwardContext, _ mlp: FeedForward, dStream: UnsafeMutablePointer<Float>, rows: Int,
                                     tokens: Int, batch: Int, mod: FloatBuffer, dMod: FloatBuffer, modStride: Int, _ m: MLPTape) {
        let d = width
        let dOut = FloatBuffer(uninitialized: rows * d), dModulated = FloatBuffer(uninitialized: rows * d)
        let dNormed = FloatBuffer(uninitialized: rows * d)                         // [R, D] each
        addGatedBackward(dOut: dStream, y: m.out.p, gate: mod.p + 5 * d, dy: dOut.p, dGate: dMod.p + 5 * d,
                         batch: batch, tokens: tokens, width: d, modStride: modStride)
        mlp.backward(ctx, rows: rows, x: m.modulated.p, tape: m.ff!, dOut: dOut.p, dx: dModulated.p)
        modulateBackward(dy: dModulated.p, x: m.normed.p, scale: mod.p + 4 * d, dx: dNormed.p, accumulate: false,
                         dShift: dMod.p + 3 * d, dScale: dMod.p + 4 * d, batch: batch, tokens: tokens, width: d, modStride: modStride)
        layerNormBackward(dy: dNormed.p, y: m.normed.p, rstd: m.rstd!.p, dx: dStream, rows: rows, width: d)
    }
}
