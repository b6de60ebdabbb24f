import Foundation
import FlowCore
import MMDiT

/// The MM-DiT with saved activations and a backward pass, over parameters in a `ParameterSet`
/// named with diffusers' keys under `prefix` (e.g. "transformer."). Its forward equals
/// `MMDiT.MMDiT`'s (tested); it exists so that training can run backward.
final class TrainableMMDiT {
    let config: MMDiTConfig
    let prefix: String
    let patchEmbed: LinearParameters  // conv [D, C, p, p] as [D, C·p²]
    let posEmbed: Int                  // [1, M², D], fixed
    let timestep1: LinearParameters, timestep2: LinearParameters
    let text1: LinearParameters, text2: LinearParameters
    let contextEmbedder: LinearParameters
    let blocks: [TrainableJointBlock]
    let normOut: LinearParameters, projOut: LinearParameters

    static let frequencyChannels = 256

    init(_ params: ParameterSet, config: MMDiTConfig, prefix: String = "transformer.") throws {
        try config.validate()
        guard config.dualAttentionLayers.isEmpty else {
            throw MMDiTError.invalidConfig("training does not support MMDiT-X dual-attention blocks")
        }
        self.config = config
        self.prefix = prefix
        let d = config.hiddenSize, p = config.patchSize
        patchEmbed = LinearParameters(params, prefix + "pos_embed.proj", in: config.patchFeatures, out: d,
                                      weightShape: [d, config.inChannels, p, p])
        let m = config.posEmbedMaxSize
        posEmbed = params.declare(prefix + "pos_embed.pos_embed", [1, m * m, d], trainable: false)
        params.set(posEmbed, sincosPositionTable(side: m, width: d))
        timestep1 = LinearParameters(params, prefix + "time_text_embed.timestep_embedder.linear_1", in: Self.frequencyChannels, out: d)
        timestep2 = LinearParameters(params, prefix + "time_text_embed.timestep_embedder.linear_2", in: d, out: d)
        text1 = LinearParameters(params, prefix + "time_text_embed.text_embedder.linear_1", in: config.pooledDim, out: d)
        text2 = LinearParameters(params, prefix + "time_text_embed.text_embedder.linear_2", in: d, out: d)
        contextEmbedder = LinearParameters(params, prefix + "context_embedder", in: config.contextDim, out: d)
        blocks = (0..<config.depth).map { TrainableJointBlock(params, prefix: prefix, config: config, index: $0) }
        normOut = LinearParameters(params, prefix + "norm_out.linear", in: d, out: 2 * d)
        projOut = LinearParameters(params, prefix + "proj_out", in: d, out: p * p * config.outChannels)
    }

    /// Saved activations of one forward.
    final class Tape {
        let batch: Int, n: Int, l: Int, gridH: Int, gridW: Int
        let patches: Buffer                          // [B·N, C·p²]
        let sinusoid: Buffer                         // [B, 256]
        let t1: Buffer, t1Act: Buffer, y1: Buffer, y1Act: Buffer  // [B, D] pre/post SiLU
        let temb: Buffer, cond: Buffer               // [B, D]
        let context: UnsafePointer<Float>            // [B·L, Dctx] (owned by the caller)
        let pooled: UnsafePointer<Float>             // [B, Dpool]
        var blockTapes: [TrainableJointBlock.Tape] = []
        let modOut: Buffer                           // [B, 2D] (scale, shift)
        let xnOut: Buffer, rstdOut: Buffer, xo: Buffer  // [B·N, D], [B·N], [B·N, D]
        let output: Buffer                           // [B·N, p²·Cout] tokens, features (i, j, c)

        init(_ m: TrainableMMDiT, batch: Int, gridH: Int, gridW: Int, l: Int,
             context: UnsafePointer<Float>, pooled: UnsafePointer<Float>) {
            let d = m.config.hiddenSize, n = gridH * gridW
            self.batch = batch; self.n = n; self.l = l; self.gridH = gridH; self.gridW = gridW
            self.context = context; self.pooled = pooled
            patches = Buffer(batch * n * m.config.patchFeatures)
            sinusoid = Buffer(batch * TrainableMMDiT.frequencyChannels)
            t1 = Buffer(batch * d); t1Act = Buffer(batch * d); y1 = Buffer(batch * d); y1Act = Buffer(batch * d)
            temb = Buffer(batch * d); cond = Buffer(batch * d)
            modOut = Buffer(batch * 2 * d)
            xnOut = Buffer(batch * n * d); rstdOut = Buffer(batch * n); xo = Buffer(batch * n * d)
            output = Buffer(batch * n * m.projOut.outFeatures)
        }
    }

    /// Forward on `latents` [B, C, H, W] at `timesteps` [B] (σ·1000) with text tokens `context`
    /// [B·L, Dctx] and `pooled` [B, Dpool] (pointers kept by the tape: keep them alive until backward).
    /// The prediction is `tape.output`, in token layout [B·N, p²·C] with features (i, j, c).
    func forward(_ params: ParameterSet, latents: Tensor, timesteps: [Float], context: UnsafePointer<Float>,
                 contextTokens l: Int, pooled: UnsafePointer<Float>) -> Tape {
        let c = config, d = c.hiddenSize, p = c.patchSize
        let batch = latents.shape[0]
        let (gh, gw) = (latents.shape[2] / p, latents.shape[3] / p)
        let tape = Tape(self, batch: batch, gridH: gh, gridW: gw, l: l, context: context, pooled: pooled)
        let n = tape.n

        // Patch embedding + fixed positional table (centre crop).
        let patches = patchify(latents, patch: p)  // [B, N, C·p²]
        patches.scalars.withUnsafeBufferPointer { tape.patches.p.update(from: $0.baseAddress!, count: $0.count) }
        let x = Buffer(batch * n * d), ctx = Buffer(batch * l * d)
        patchEmbed.forward(params, rows: batch * n, x: tape.patches.p, ldx: c.patchFeatures, y: x.p, ldy: d)
        let table = params.value(posEmbed), side = c.posEmbedMaxSize
        let top = (side - gh) / 2, left = (side - gw) / 2
        for item in 0..<batch {
            for row in 0..<gh {
                for col in 0..<gw {
                    let dst = x.p + ((item * gh + row) * gw + col) * d
                    let src = table + ((top + row) * side + left + col) * d
                    for i in 0..<d { dst[i] += src[i] }
                }
            }
        }

        // Conditioning: SiLU(MLP(sinusoid(t)) + MLP(pooled)).
        let sin = timestepSinusoid(timesteps, channels: Self.frequencyChannels)
        sin.scalars.withUnsafeBufferPointer { tape.sinusoid.p.update(from: $0.baseAddress!, count: $0.count) }
        mlpForward(params, timestep1, timestep2, rows: batch, x: tape.sinusoid.p, pre: tape.t1, act: tape.t1Act, out: tape.temb.p)
        let y = Buffer(batch * d)
        mlpForward(params, text1, text2, rows: batch, x: pooled, pre: tape.y1, act: tape.y1Act, out: y.p)
        for i in 0..<(batch * d) {
            tape.temb.p[i] += y.p[i]
            tape.cond.p[i] = tape.temb.p[i]
        }
        siluInPlace(tape.cond.p, count: batch * d)

        contextEmbedder.forward(params, rows: batch * l, x: context, ldx: c.contextDim, y: ctx.p, ldy: d)
        for block in blocks {
            let blockTape = TrainableJointBlock.Tape(block, batch: batch, n: n, l: l)
            block.forward(params, x: x.p, c: ctx.p, cond: tape.cond.p, tape: blockTape)
            tape.blockTapes.append(blockTape)
        }

        // Output AdaLN (scale, shift) and projection.
        normOut.forward(params, rows: batch, x: tape.cond.p, ldx: d, y: tape.modOut.p, ldy: 2 * d)
        layerNormForward(x.p, into: tape.xnOut.p, rstd: tape.rstdOut.p, rows: batch * n, width: d)
        modulate(tape.xnOut.p, into: tape.xo.p, batch: batch, tokens: n, width: d,
                 shift: tape.modOut.p + d, scale: tape.modOut.p, modStride: 2 * d)
        projOut.forward(params, rows: batch * n, x: tape.xo.p, ldx: d, y: tape.output.p, ldy: projOut.outFeatures)
        return tape
    }

    /// Backward from d(output) [B·N, p²·C]; accumulates parameter gradients and writes the
    /// gradients of the text inputs: `dContext` [B·L, Dctx] and `dPooled` [B, Dpool].
    func backward(_ params: ParameterSet, tape: Tape, dOutput: UnsafePointer<Float>,
                  dContext: UnsafeMutablePointer<Float>, dPooled: UnsafeMutablePointer<Float>) {
        let c = config, d = c.hiddenSize
        let (batch, n, l) = (tape.batch, tape.n, tape.l)
        let dxo = Buffer(batch * n * d), dxn = Buffer(batch * n * d), dX = Buffer(batch * n * d)
        let dC = Buffer(batch * l * d), dCond = Buffer(batch * d), dModOut = Buffer(batch * 2 * d)

        projOut.backward(params, rows: batch * n, x: tape.xo.p, ldx: d, dy: dOutput, ldy: projOut.outFeatures, dx: dxo.p, lddx: d)
        modulateBackward(dy: dxo.p, x: tape.xnOut.p, scale: tape.modOut.p, dx: dxn.p, accumulate: false,
                         dShift: dModOut.p + d, dScale: dModOut.p, batch: batch, tokens: n, width: d, modStride: 2 * d)
        layerNormBackward(dy: dxn.p, y: tape.xnOut.p, rstd: tape.rstdOut.p, dx: dX.p, rows: batch * n, width: d)
        normOut.backward(params, rows: batch, x: tape.cond.p, ldx: d, dy: dModOut.p, ldy: 2 * d, dx: dCond.p, lddx: d, accumulate: true)

        for (block, blockTape) in zip(blocks, tape.blockTapes).reversed() {
            block.backward(params, tape: blockTape, cond: tape.cond.p, dX: dX.p, dC: dC.p, dCond: dCond.p)
        }

        contextEmbedder.backward(params, rows: batch * l, x: tape.context, ldx: c.contextDim, dy: dC.p, ldy: d,
                                 dx: dContext, lddx: c.contextDim)
        patchEmbed.backward(params, rows: batch * n, x: tape.patches.p, ldx: c.patchFeatures, dy: dX.p, ldy: d, dx: nil, lddx: 0)

        let dTemb = Buffer(batch * d)
        siluBackward(dy: dCond.p, u: tape.temb.p, dx: dTemb.p, count: batch * d)
        mlpBackward(params, timestep1, timestep2, rows: batch, x: tape.sinusoid.p, pre: tape.t1, act: tape.t1Act,
                    dOut: dTemb.p, dx: nil)
        mlpBackward(params, text1, text2, rows: batch, x: tape.pooled, pre: tape.y1, act: tape.y1Act, dOut: dTemb.p, dx: dPooled)
    }

    /// `out = second(SiLU(first(x)))`, keeping the pre-activation and activation.
    private func mlpForward(_ params: ParameterSet, _ first: LinearParameters, _ second: LinearParameters, rows: Int,
                            x: UnsafePointer<Float>, pre: Buffer, act: Buffer, out: UnsafeMutablePointer<Float>) {
        first.forward(params, rows: rows, x: x, ldx: first.inFeatures, y: pre.p, ldy: first.outFeatures)
        act.p.update(from: pre.p, count: pre.count)
        siluInPlace(act.p, count: act.count)
        second.forward(params, rows: rows, x: act.p, ldx: second.inFeatures, y: out, ldy: second.outFeatures)
    }

    private func mlpBackward(_ params: ParameterSet, _ first: LinearParameters, _ second: LinearParameters, rows: Int,
                             x: UnsafePointer<Float>, pre: Buffer, act: Buffer, dOut: UnsafePointer<Float>,
                             dx: UnsafeMutablePointer<Float>?) {
        let dAct = Buffer(act.count)
        second.backward(params, rows: rows, x: act.p, ldx: second.inFeatures, dy: dOut, ldy: second.outFeatures,
                        dx: dAct.p, lddx: second.inFeatures)
        siluBackward(dy: dAct.p, u: pre.p, dx: dAct.p, count: dAct.count)
        first.backward(params, rows: rows, x: x, ldx: first.inFeatures, dy: dAct.p, ldy: first.outFeatures,
                       dx: dx, lddx: first.inFeatures)
    }
}

/// diffusers' 2-D sin-cos table for a `side`×`side` grid (base size = side, interpolation 1):
/// half the channels encode the column, half the row, each as [sin | cos] with
/// ω_k = 1/10000^(k/(D/4)); the column half comes first. [1, side², D]
func sincosPositionTable(side: Int, width d: Int) -> Tensor {
    let quarter = d / 4
    return Tensor(shape: [1, side * side, d]) { out in
        for row in 0..<side {
            for col in 0..<side {
                let base = (row * side + col) * d
                for (half, position) in [(0, Double(col)), (1, Double(row))] {
                    for k in 0..<quarter {
                        let omega = 1 / pow(10000, Double(k) / Double(quarter))
                        out[base + half * 2 * quarter + k] = Float(sin(position * omega))
                        out[base + half * 2 * quarter + quarter + k] = Float(cos(position * omega))
                    }
                }
            }
        }
    }
}
