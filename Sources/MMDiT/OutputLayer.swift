import FlowCore

// Legend: B batch, N image tokens, D width, p patch side, Cout output channels.

/// The output layer: continuous AdaLN (`norm_out.linear`: D → 2D, chunks scale, shift) over a
/// LayerNorm, then `proj_out`: D → p²·Cout.
struct OutputLayer: Sendable {
    let modulation: Linear
    let projection: Linear

    init(_ store: ParameterStore, _ config: MMDiTConfig, prefix: String) {
        let d = config.hiddenSize
        modulation = Linear(store, prefix + "norm_out.linear", in: d, out: 2 * d)
        projection = Linear(store, prefix + "proj_out", in: d, out: config.patchSize * config.patchSize * config.outChannels)
    }

    /// What backward needs.
    final class Tape {
        let mod: FloatBuffer                          // [B, 2D] (scale, shift)
        let normed: FloatBuffer, rstd: FloatBuffer    // [B, N, D], [B, N]
        let modulated: FloatBuffer                    // [B, N, D]
        init(batch: Int, n: Int, width: Int) {
            mod = FloatBuffer(batch * 2 * width)
            normed = FloatBuffer(batch * n * width); rstd = FloatBuffer(batch * n)
            modulated = FloatBuffer(batch * n * width)
        }
    }

    /// `out` [B, N, p²·Cout] = proj_out(LN(x)·(1 + scale) + shift). Without a tape, works in place on `x`.
    func forward(_ ctx: ForwardContext, x: UnsafeMutablePointer<Float>, conditioning: UnsafePointer<Float>,
                 batch: Int, n: Int, out: UnsafeMutablePointer<Float>, tape: Tape?) {
        let d = projection.inFeatures, rows = batch * n
        let mod = tape?.mod ?? FloatBuffer(uninitialized: batch * 2 * d)
        modulation.forward(ctx, rows: batch, x: conditioning, ldx: d, y: mod.p, ldy: 2 * d)                     // [B, 2D]
        let normed = tape?.normed.p ?? x                                                                         // [B, N, D]
        if let tape { tape.normed.p.update(from: x, count: rows * d) }
        layerNormRows(normed, rows: rows, width: d, stride: d, rstd: tape?.rstd.p)
        let modulated = tape?.modulated.p ?? x                                                                   // [B, N, D]
        modulate(normed, into: modulated, batch: batch, tokens: n, width: d, shift: mod.p + d, scale: mod.p, modStride: 2 * d)
        projection.forward(ctx, rows: rows, x: modulated, ldx: d, y: out, ldy: projection.outFeatures)       // [B, N, p²·Cout]
    }

    /// From d(out): accumulates gradients, writes d(x) [B, N, D] and adds d(conditioning) [B, D].
    func backward(_ ctx: ForwardContext, tape: Tape, conditioning: UnsafePointer<Float>, batch: Int, n: Int,
                  dOut: UnsafePointer<Float>, dX: UnsafeMutablePointer<Float>, dConditioning: UnsafeMutablePointer<Float>) {
        let d = projection.inFeatures, rows = batch * n
        let dModulated = FloatBuffer(uninitialized: rows * d), dNormed = FloatBuffer(uninitialized: rows * d)
        let dMod = FloatBuffer(batch * 2 * d)                                                                    // [B, 2D]
        projection.backward(ctx, rows: rows, x: tape.modulated.p, ldx: d, dy: dOut, ldy: projection.outFeatures,
                            dx: dModulated.p, lddx: d)
        modulateBackward(dy: dModulated.p, x: tape.normed.p, scale: tape.mod.p, dx: dNormed.p, accumulate: false,
                         dShift: dMod.p + d, dScale: dMod.p, batch: batch, tokens: n, width: d, modStride: 2 * d)
        layerNormBackward(dy: dNormed.p, y: tape.normed.p, rstd: tape.rstd.p, dx: dX, rows: rows, width: d)
        modulation.backward(ctx, rows: batch, x: conditioning, ldx: d, dy: dMod.p, ldy: 2 * d, dx: dConditioning, lddx: d,
                            accumulate: true)
    }
}
