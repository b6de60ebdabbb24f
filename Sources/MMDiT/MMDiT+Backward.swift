import FlowCore

// Legend: see MMDiT.swift. The forward's list of calls, reversed.

extension MMDiT {
    /// Backward from d(prediction) [B, N, p²·Cout] (token layout, as `forward` returns it):
    /// accumulates every parameter's gradient in the store and writes the gradients of the text
    /// inputs, `dContext` [B, L, Dctx] and `dPooled` [B, Dpool].
    public func backward(tape: Tape, dOutput: UnsafePointer<Float>,
                         dContext: UnsafeMutablePointer<Float>, dPooled: UnsafeMutablePointer<Float>) {
        let c = config, d = c.hiddenSize
        let ctx = ForwardContext(store: store, precision: precision)
        let (batch, n, l) = (tape.batch, tape.n, tape.l)
        let dX = FloatBuffer(batch * n * d), dC = FloatBuffer(batch * l * d)                 // [B, N, D], [B, L, D]
        let dConditioning = FloatBuffer(batch * d)                                            // [B, D]
        outputLayer.backward(ctx, tape: tape.outputLayer, conditioning: tape.conditioning.p, batch: batch, n: n,
                             dOut: dOutput, dX: dX.p, dConditioning: dConditioning.p)
        for (block, blockTape) in zip(blocks, tape.blocks).reversed() {
            block.backward(ctx, tape: blockTape, conditioning: tape.conditioning.p, dX: dX.p, dC: dC.p,
                           dConditioning: dConditioning.p)
        }
        contextEmbedder.backward(ctx, rows: batch * l, x: tape.context, ldx: c.contextDim, dy: dC.p, ldy: d,
                                 dx: dContext, lddx: c.contextDim)
        patchEmbedding.backward(ctx, rows: batch * n, patches: tape.patches, dX: dX.p)
        let dTemb = FloatBuffer(batch * d)                                                    // [B, D]
        siluBackward(dy: dConditioning.p, u: tape.temb.p, dx: dTemb.p, count: batch * d)
        conditioningEmbedding.backward(ctx, tape: tape.embedding, pooled: tape.pooled, dTemb: dTemb.p, dPooled: dPooled)
    }
}
