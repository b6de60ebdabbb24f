import FlowCore
import MMDiT

/// A joint block with saved activations and a backward pass. Same math and keys as
/// `MMDiT.JointBlock` (diffusers' `JointTransformerBlock`); no MMDiT-X second attention.
struct TrainableJointBlock {
    let width: Int, heads: Int, mlpWidth: Int
    let preOnly: Bool
    let modX: LinearParameters, modC: LinearParameters
    let qX: LinearParameters, kX: LinearParameters, vX: LinearParameters
    let qC: LinearParameters, kC: LinearParameters, vC: LinearParameters
    /// Per-head RMSNorm weights [Dh]: image q, k; context q, k.
    let norms: (q: Int, k: Int, addedQ: Int, addedK: Int)?
    let outX: LinearParameters, outC: LinearParameters?
    let ffX: FeedForwardParameters, ffC: FeedForwardParameters?

    var headDim: Int { width / heads }
    var contextChunks: Int { preOnly ? 2 : 6 }
    /// The context stream's (shift, scale) chunks: AdaLN-Zero (0, 1); the last block's continuous AdaLN (1, 0).
    var contextShiftScale: (Int, Int) { preOnly ? (1, 0) : (0, 1) }

    init(_ params: ParameterSet, prefix: String, config: MMDiTConfig, index: Int) {
        let p = prefix + "transformer_blocks.\(index)."
        let d = config.hiddenSize
        width = d
        heads = config.heads
        mlpWidth = config.mlpHiddenSize
        preOnly = index == config.depth - 1
        modX = LinearParameters(params, p + "norm1.linear", in: d, out: 6 * d)
        modC = LinearParameters(params, p + "norm1_context.linear", in: d, out: (preOnly ? 2 : 6) * d)
        qX = LinearParameters(params, p + "attn.to_q", in: d, out: d)
        kX = LinearParameters(params, p + "attn.to_k", in: d, out: d)
        vX = LinearParameters(params, p + "attn.to_v", in: d, out: d)
        qC = LinearParameters(params, p + "attn.add_q_proj", in: d, out: d)
        kC = LinearParameters(params, p + "attn.add_k_proj", in: d, out: d)
        vC = LinearParameters(params, p + "attn.add_v_proj", in: d, out: d)
        if config.qkNorm {
            let dh = config.headDim
            norms = (params.declare(p + "attn.norm_q.weight", [dh]), params.declare(p + "attn.norm_k.weight", [dh]),
                     params.declare(p + "attn.norm_added_q.weight", [dh]), params.declare(p + "attn.norm_added_k.weight", [dh]))
        } else {
            norms = nil
        }
        outX = LinearParameters(params, p + "attn.to_out.0", in: d, out: d)
        outC = preOnly ? nil : LinearParameters(params, p + "attn.to_add_out", in: d, out: d)
        ffX = FeedForwardParameters(params, p + "ff", width: d, hidden: config.mlpHiddenSize, upName: ".net.0.proj", downName: ".net.2")
        ffC = preOnly ? nil : FeedForwardParameters(params, p + "ff_context", width: d, hidden: config.mlpHiddenSize,
                                                    upName: ".net.0.proj", downName: ".net.2")
    }

    /// Everything the backward pass needs from the forward.
    final class Tape {
        let batch: Int, n: Int, l: Int
        var t: Int { n + l }
        let modX: Buffer, modC: Buffer              // [B, 6D], [B, 6D | 2D]
        let xn: Buffer, rstdX: Buffer, hx: Buffer   // [B·N, D], [B·N], [B·N, D]
        let cn: Buffer, rstdC: Buffer, hc: Buffer   // [B·L, D], [B·L], [B·L, D]
        let qkvPre: Buffer?, qkv: Buffer            // [B·T, 3D]
        let rstdQ: Buffer?, rstdK: Buffer?          // [B·T·H]
        let probs: Buffer, attn: Buffer             // [B·H, T, T], [B·T, D]
        let attnX: Buffer, attnC: Buffer?           // attn's image rows [B·N, D] and context rows [B·L, D]
        let ax: Buffer, ac: Buffer?                 // [B·N, D], [B·L, D]
        let xn2: Buffer, rstdX2: Buffer, h2: Buffer, ffX: FeedForwardParameters.Tape
        let cn2: Buffer?, rstdC2: Buffer?, hc2: Buffer?, ffC: FeedForwardParameters.Tape?

        init(_ block: TrainableJointBlock, batch: Int, n: Int, l: Int) {
            let d = block.width, t = n + l
            self.batch = batch; self.n = n; self.l = l
            modX = Buffer(batch * 6 * d); modC = Buffer(batch * block.contextChunks * d)
            xn = Buffer(batch * n * d); rstdX = Buffer(batch * n); hx = Buffer(batch * n * d)
            cn = Buffer(batch * l * d); rstdC = Buffer(batch * l); hc = Buffer(batch * l * d)
            qkvPre = block.norms == nil ? nil : Buffer(batch * t * 3 * d)
            qkv = Buffer(batch * t * 3 * d)
            rstdQ = block.norms == nil ? nil : Buffer(batch * t * block.heads)
            rstdK = block.norms == nil ? nil : Buffer(batch * t * block.heads)
            probs = Buffer(batch * block.heads * t * t); attn = Buffer(batch * t * d)
            attnX = Buffer(batch * n * d); attnC = block.preOnly ? nil : Buffer(batch * l * d)
            ax = Buffer(batch * n * d); ac = block.preOnly ? nil : Buffer(batch * l * d)
            xn2 = Buffer(batch * n * d); rstdX2 = Buffer(batch * n); h2 = Buffer(batch * n * d)
            ffX = .init(rows: batch * n, width: d, hidden: block.mlpWidth)
            if block.preOnly {
                cn2 = nil; rstdC2 = nil; hc2 = nil; ffC = nil
            } else {
                cn2 = Buffer(batch * l * d); rstdC2 = Buffer(batch * l); hc2 = Buffer(batch * l * d)
                ffC = .init(rows: batch * l, width: d, hidden: block.mlpWidth)
            }
        }
    }

    /// Runs the block in place on `x` [B·N, D] and `c` [B·L, D] with `cond` [B, D] = SiLU(temb).
    func forward(_ params: ParameterSet, x: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>,
                 cond: UnsafePointer<Float>, tape: Tape) {
        let (b, n, l, d, t) = (tape.batch, tape.n, tape.l, width, tape.t)
        let kx = 6 * d, kc = contextChunks * d
        modX.forward(params, rows: b, x: cond, ldx: d, y: tape.modX.p, ldy: kx)
        modC.forward(params, rows: b, x: cond, ldx: d, y: tape.modC.p, ldy: kc)
        let mx = tape.modX.p, mc = tape.modC.p
        let (cShift, cScale) = contextShiftScale

        layerNormForward(x, into: tape.xn.p, rstd: tape.rstdX.p, rows: b * n, width: d)
        modulate(tape.xn.p, into: tape.hx.p, batch: b, tokens: n, width: d, shift: mx, scale: mx + d, modStride: kx)
        layerNormForward(c, into: tape.cn.p, rstd: tape.rstdC.p, rows: b * l, width: d)
        modulate(tape.cn.p, into: tape.hc.p, batch: b, tokens: l, width: d, shift: mc + cShift * d, scale: mc + cScale * d, modStride: kc)

        // q | k | v of [image tokens, context tokens] per item: [B, T, 3D]
        // Each stream's projections run over all its rows at once ([B·N, 3D], [B·L, 3D]), then
        // the rows are interleaved into the joint layout.
        let projected = tape.qkvPre?.p ?? tape.qkv.p
        let qkvX = Buffer(b * n * 3 * d), qkvC = Buffer(b * l * 3 * d)
        for (part, layer) in [qX, kX, vX].enumerated() {
            layer.forward(params, rows: b * n, x: tape.hx.p, ldx: d, y: qkvX.p + part * d, ldy: 3 * d)
        }
        for (part, layer) in [qC, kC, vC].enumerated() {
            layer.forward(params, rows: b * l, x: tape.hc.p, ldx: d, y: qkvC.p + part * d, ldy: 3 * d)
        }
        scatterRows(qkvX.p, into: projected, batch: b, tokens: t, first: 0, count: n, width: 3 * d)
        scatterRows(qkvC.p, into: projected, batch: b, tokens: t, first: n, count: l, width: 3 * d)
        if let norms, let pre = tape.qkvPre, let rq = tape.rstdQ, let rk = tape.rstdK {
            tape.qkv.p.update(from: pre.p, count: pre.count)  // v passes through
            for row in 0..<(b * t) {
                let image = row % t < n
                let base = row * 3 * d
                rmsNormForward(pre.p + base, into: tape.qkv.p + base, stride: headDim,
                               weight: params.value(image ? norms.q : norms.addedQ), rstd: rq.p + row * heads, rows: heads, width: headDim)
                rmsNormForward(pre.p + base + d, into: tape.qkv.p + base + d, stride: headDim,
                               weight: params.value(image ? norms.k : norms.addedK), rstd: rk.p + row * heads, rows: heads, width: headDim)
            }
        }
        let q = tape.qkv.p
        attentionForward(q: q, k: q + d, v: q + 2 * d, stride: 3 * d, batch: b, tokens: t, heads: heads, headDim: headDim,
                         probs: tape.probs.p, out: tape.attn.p, ldo: d)
        gatherRows(tape.attn.p, batch: b, tokens: t, first: 0, count: n, width: d, into: tape.attnX.p)
        outX.forward(params, rows: b * n, x: tape.attnX.p, ldx: d, y: tape.ax.p, ldy: d)
        if let outC, let ac = tape.ac, let attnC = tape.attnC {
            gatherRows(tape.attn.p, batch: b, tokens: t, first: n, count: l, width: d, into: attnC.p)
            outC.forward(params, rows: b * l, x: attnC.p, ldx: d, y: ac.p, ldy: d)
        }

        addGated(tape.ax.p, into: x, batch: b, tokens: n, width: d, gate: mx + 2 * d, modStride: kx)
        layerNormForward(x, into: tape.xn2.p, rstd: tape.rstdX2.p, rows: b * n, width: d)
        modulate(tape.xn2.p, into: tape.h2.p, batch: b, tokens: n, width: d, shift: mx + 3 * d, scale: mx + 4 * d, modStride: kx)
        ffX.forward(params, rows: b * n, x: tape.h2.p, tape: tape.ffX)
        addGated(tape.ffX.out.p, into: x, batch: b, tokens: n, width: d, gate: mx + 5 * d, modStride: kx)

        if let ffC, let ac = tape.ac, let cn2 = tape.cn2, let rstdC2 = tape.rstdC2, let hc2 = tape.hc2, let ffTape = tape.ffC {
            addGated(ac.p, into: c, batch: b, tokens: l, width: d, gate: mc + 2 * d, modStride: kc)
            layerNormForward(c, into: cn2.p, rstd: rstdC2.p, rows: b * l, width: d)
            modulate(cn2.p, into: hc2.p, batch: b, tokens: l, width: d, shift: mc + 3 * d, scale: mc + 4 * d, modStride: kc)
            ffC.forward(params, rows: b * l, x: hc2.p, tape: ffTape)
            addGated(ffTape.out.p, into: c, batch: b, tokens: l, width: d, gate: mc + 5 * d, modStride: kc)
        }
    }

    /// Backward: `dX` [B·N, D] and `dC` [B·L, D] hold the gradients of the block's outputs and
    /// are turned into those of its inputs in place; `dCond` [B, D] accumulates.
    func backward(_ params: ParameterSet, tape: Tape, cond: UnsafePointer<Float>,
                  dX: UnsafeMutablePointer<Float>, dC: UnsafeMutablePointer<Float>, dCond: UnsafeMutablePointer<Float>) {
        let (b, n, l, d, t) = (tape.batch, tape.n, tape.l, width, tape.t)
        let kx = 6 * d, kc = contextChunks * d
        let mx = tape.modX.p, mc = tape.modC.p
        let dModX = Buffer(b * kx), dModC = Buffer(b * kc)
        let dAttn = Buffer(b * t * d)

        // Image stream: MLP residual, then the attention residual.
        streamResidualsBackward(params, dStream: dX, rows: b * n, tokens: n, mod: mx, dMod: dModX.p, modStride: kx,
                                xn2: tape.xn2, rstd2: tape.rstdX2, h2: tape.h2, ff: ffX, ffTape: tape.ffX, attnOut: tape.ax,
                                batch: b) { dOut in
            let dAttnX = Buffer(b * n * d)
            outX.backward(params, rows: b * n, x: tape.attnX.p, ldx: d, dy: dOut, ldy: d, dx: dAttnX.p, lddx: d)
            scatterRows(dAttnX.p, into: dAttn.p, batch: b, tokens: t, first: 0, count: n, width: d)
        }
        if let ffC, let outC, let ac = tape.ac, let attnC = tape.attnC, let cn2 = tape.cn2, let rstdC2 = tape.rstdC2,
           let hc2 = tape.hc2, let ffTape = tape.ffC {
            streamResidualsBackward(params, dStream: dC, rows: b * l, tokens: l, mod: mc, dMod: dModC.p, modStride: kc,
                                    xn2: cn2, rstd2: rstdC2, h2: hc2, ff: ffC, ffTape: ffTape, attnOut: ac, batch: b) { dOut in
                let dAttnC = Buffer(b * l * d)
                outC.backward(params, rows: b * l, x: attnC.p, ldx: d, dy: dOut, ldy: d, dx: dAttnC.p, lddx: d)
                scatterRows(dAttnC.p, into: dAttn.p, batch: b, tokens: t, first: n, count: l, width: d)
            }
        }

        // Joint attention.
        let dqkv = Buffer(b * t * 3 * d)
        let q = tape.qkv.p
        attentionBackward(q: q, k: q + d, v: q + 2 * d, stride: 3 * d, probs: tape.probs.p, dOut: dAttn.p, ldo: d,
                          dq: dqkv.p, dk: dqkv.p + d, dv: dqkv.p + 2 * d, batch: b, tokens: t, heads: heads, headDim: headDim)
        var dProjected = dqkv
        if let norms, let pre = tape.qkvPre, let rq = tape.rstdQ, let rk = tape.rstdK {
            let dPre = Buffer(b * t * 3 * d)
            dPre.p.update(from: dqkv.p, count: dqkv.count)  // v passes through
            for row in 0..<(b * t) {
                let image = row % t < n
                let base = row * 3 * d
                let (wq, wk) = image ? (norms.q, norms.k) : (norms.addedQ, norms.addedK)
                rmsNormBackward(dy: dqkv.p + base, x: pre.p + base, stride: headDim, weight: params.value(wq), rstd: rq.p + row * heads,
                                dx: dPre.p + base, dxStride: headDim, accumulate: false, dWeight: params.grad(wq), rows: heads, width: headDim)
                rmsNormBackward(dy: dqkv.p + base + d, x: pre.p + base + d, stride: headDim, weight: params.value(wk), rstd: rk.p + row * heads,
                                dx: dPre.p + base + d, dxStride: headDim, accumulate: false, dWeight: params.grad(wk), rows: heads, width: headDim)
            }
            dProjected = dPre
        }
        let dhx = Buffer(b * n * d), dhc = Buffer(b * l * d)
        let dqkvX = Buffer(b * n * 3 * d), dqkvC = Buffer(b * l * 3 * d)
        gatherRows(dProjected.p, batch: b, tokens: t, first: 0, count: n, width: 3 * d, into: dqkvX.p)
        gatherRows(dProjected.p, batch: b, tokens: t, first: n, count: l, width: 3 * d, into: dqkvC.p)
        for (part, layer) in [qX, kX, vX].enumerated() {
            layer.backward(params, rows: b * n, x: tape.hx.p, ldx: d, dy: dqkvX.p + part * d, ldy: 3 * d,
                           dx: dhx.p, lddx: d, accumulate: part > 0)
        }
        for (part, layer) in [qC, kC, vC].enumerated() {
            layer.backward(params, rows: b * l, x: tape.hc.p, ldx: d, dy: dqkvC.p + part * d, ldy: 3 * d,
                           dx: dhc.p, lddx: d, accumulate: part > 0)
        }

        // Pre-attention modulation and LayerNorm.
        let dxn = Buffer(b * n * d)
        modulateBackward(dy: dhx.p, x: tape.xn.p, scale: mx + d, dx: dxn.p, accumulate: false,
                         dShift: dModX.p, dScale: dModX.p + d, batch: b, tokens: n, width: d, modStride: kx)
        layerNormBackward(dy: dxn.p, y: tape.xn.p, rstd: tape.rstdX.p, dx: dX, rows: b * n, width: d)
        let (cShift, cScale) = contextShiftScale
        let dcn = Buffer(b * l * d)
        modulateBackward(dy: dhc.p, x: tape.cn.p, scale: mc + cScale * d, dx: dcn.p, accumulate: false,
                         dShift: dModC.p + cShift * d, dScale: dModC.p + cScale * d, batch: b, tokens: l, width: d, modStride: kc)
        layerNormBackward(dy: dcn.p, y: tape.cn.p, rstd: tape.rstdC.p, dx: dC, rows: b * l, width: d)

        // AdaLN linears.
        modX.backward(params, rows: b, x: cond, ldx: d, dy: dModX.p, ldy: kx, dx: dCond, lddx: d, accumulate: true)
        modC.backward(params, rows: b, x: cond, ldx: d, dy: dModC.p, ldy: kc, dx: dCond, lddx: d, accumulate: true)
    }

    /// The two gated residuals of one stream, backwards: `x2 = x1 + g5·FF(mod(LN(x1)))` then
    /// `x1 = x0 + g2·attnOut`. `dStream` goes from d(x2) to d(x0) (the pre-attention LN adds later);
    /// `attentionOutBackward` receives d(attnOut) [rows, D].
    private func streamResidualsBackward(_ params: ParameterSet, dStream: UnsafeMutablePointer<Float>, rows: Int, tokens: Int,
                                         mod: UnsafePointer<Float>, dMod: UnsafeMutablePointer<Float>, modStride: Int,
                                         xn2: Buffer, rstd2: Buffer, h2: Buffer, ff: FeedForwardParameters,
                                         ffTape: FeedForwardParameters.Tape, attnOut: Buffer, batch: Int,
                                         attentionOutBackward: (UnsafePointer<Float>) -> Void) {
        let d = width
        let dff = Buffer(rows * d), dh2 = Buffer(rows * d), dxn2 = Buffer(rows * d)
        gatedResidualBackward(dOut: dStream, y: ffTape.out.p, gate: mod + 5 * d, dy: dff.p, dGate: dMod + 5 * d,
                              batch: batch, tokens: tokens, width: d, modStride: modStride)
        ff.backward(params, rows: rows, x: h2.p, tape: ffTape, dOut: dff.p, dx: dh2.p)
        modulateBackward(dy: dh2.p, x: xn2.p, scale: mod + 4 * d, dx: dxn2.p, accumulate: false,
                         dShift: dMod + 3 * d, dScale: dMod + 4 * d, batch: batch, tokens: tokens, width: d, modStride: modStride)
        layerNormBackward(dy: dxn2.p, y: xn2.p, rstd: rstd2.p, dx: dStream, rows: rows, width: d)
        let dOut = Buffer(rows * d)
        gatedResidualBackward(dOut: dStream, y: attnOut.p, gate: mod + 2 * d, dy: dOut.p, dGate: dMod + 2 * d,
                              batch: batch, tokens: tokens, width: d, modStride: modStride)
        attentionOutBackward(dOut.p)
    }
}

/// Copies tokens `first..<first+count` of each item of a joint buffer [B, tokens, width] into a
/// contiguous [B·count, width].
func gatherRows(_ joint: UnsafePointer<Float>, batch: Int, tokens: Int, first: Int, count: Int, width: Int,
                into out: UnsafeMutablePointer<Float>) {
    for item in 0..<batch {
        (out + item * count * width).update(from: joint + (item * tokens + first) * width, count: count * width)
    }
}

/// The inverse of `gatherRows`: contiguous [B·count, width] into tokens `first..<first+count` of each item.
func scatterRows(_ rows: UnsafePointer<Float>, into joint: UnsafeMutablePointer<Float>, batch: Int, tokens: Int,
                 first: Int, count: Int, width: Int) {
    for item in 0..<batch {
        (joint + (item * tokens + first) * width).update(from: rows + item * count * width, count: count * width)
    }
}
