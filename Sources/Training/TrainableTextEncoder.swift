import FlowCore
import TextEncoding

/// The demo text encoder with saved activations and a backward pass (same math and keys as
/// `TextEncoding.DemoTextEncoder`, which is the inference twin and the test oracle).
final class TrainableTextEncoder {
    let config: TextEncoderConfig
    let tokenEmbedding: Int, positionEmbedding: Int, finalNorm: Int
    struct Layer {
        let norm1: Int, qkv: LinearParameters, out: LinearParameters, norm2: Int
        let mlp: FeedForwardParameters
    }
    let layers: [Layer]

    init(_ params: ParameterSet, config: TextEncoderConfig) {
        self.config = config
        let e = config.width, prefix = TextEncoderConfig.prefix
        tokenEmbedding = params.declare(prefix + "token_embedding.weight", [config.vocabularySize, e])
        positionEmbedding = params.declare(prefix + "position_embedding.weight", [config.length, e])
        layers = (0..<config.layers).map { i in
            let p = prefix + "layers.\(i)."
            return Layer(norm1: params.declare(p + "norm1.weight", [e]),
                         qkv: LinearParameters(params, p + "attn.qkv", in: e, out: 3 * e),
                         out: LinearParameters(params, p + "attn.out", in: e, out: e),
                         norm2: params.declare(p + "norm2.weight", [e]),
                         mlp: FeedForwardParameters(params, p + "mlp", width: e, hidden: config.mlpWidth, upName: ".up", downName: ".down"))
        }
        finalNorm = params.declare(prefix + "final_norm.weight", [e])
        // Layer id order must match `TextEncoderConfig.weightShapes` (checked by tests).
    }

    final class Tape {
        let batch: Int
        let tokens: [[Int]]
        struct LayerTape {
            let input: Buffer, rstd1: Buffer, normed1: Buffer, qkv: Buffer, probs: Buffer, attn: Buffer
            let mid: Buffer, rstd2: Buffer, normed2: Buffer, mlp: FeedForwardParameters.Tape
        }
        var layers: [LayerTape] = []
        let final: Buffer, rstdFinal: Buffer
        /// [B·L, E]: the context sequence.
        let context: Buffer
        /// [B, E]: the `<cls>` states.
        let pooled: Buffer
        init(batch: Int, tokens: [[Int]], rows: Int, width: Int) {
            self.batch = batch
            self.tokens = tokens
            final = Buffer(rows * width); rstdFinal = Buffer(rows)
            context = Buffer(rows * width); pooled = Buffer(batch * width)
        }
    }

    func forward(_ params: ParameterSet, tokens: [[Int]]) -> Tape {
        let (batch, l, e, heads) = (tokens.count, config.length, config.width, config.heads)
        let rows = batch * l
        let tape = Tape(batch: batch, tokens: tokens, rows: rows, width: e)
        let x = Buffer(rows * e)
        let tok = params.value(tokenEmbedding), pos = params.value(positionEmbedding)
        for (b, sequence) in tokens.enumerated() {
            precondition(sequence.count == l, "token sequences must have length \(l)")
            for (i, token) in sequence.enumerated() {
                let dst = x.p + (b * l + i) * e
                for j in 0..<e { dst[j] = tok[token * e + j] + pos[i * e + j] }
            }
        }
        for layer in layers {
            let t = Tape.LayerTape(input: Buffer(rows * e), rstd1: Buffer(rows), normed1: Buffer(rows * e), qkv: Buffer(rows * 3 * e),
                                   probs: Buffer(batch * heads * l * l), attn: Buffer(rows * e), mid: Buffer(rows * e),
                                   rstd2: Buffer(rows), normed2: Buffer(rows * e),
                                   mlp: .init(rows: rows, width: e, hidden: config.mlpWidth))
            t.input.p.update(from: x.p, count: x.count)
            rmsNormForward(x.p, into: t.normed1.p, stride: e, weight: params.value(layer.norm1), rstd: t.rstd1.p, rows: rows, width: e)
            layer.qkv.forward(params, rows: rows, x: t.normed1.p, ldx: e, y: t.qkv.p, ldy: 3 * e)
            attentionForward(q: t.qkv.p, k: t.qkv.p + e, v: t.qkv.p + 2 * e, stride: 3 * e, batch: batch, tokens: l,
                             heads: heads, headDim: e / heads, probs: t.probs.p, out: t.attn.p, ldo: e)
            let projected = Buffer(rows * e)
            layer.out.forward(params, rows: rows, x: t.attn.p, ldx: e, y: projected.p, ldy: e)
            for i in 0..<(rows * e) { x.p[i] += projected.p[i] }
            t.mid.p.update(from: x.p, count: x.count)
            rmsNormForward(x.p, into: t.normed2.p, stride: e, weight: params.value(layer.norm2), rstd: t.rstd2.p, rows: rows, width: e)
            layer.mlp.forward(params, rows: rows, x: t.normed2.p, tape: t.mlp)
            for i in 0..<(rows * e) { x.p[i] += t.mlp.out.p[i] }
            tape.layers.append(t)
        }
        tape.final.p.update(from: x.p, count: x.count)
        rmsNormForward(x.p, into: tape.context.p, stride: e, weight: params.value(finalNorm), rstd: tape.rstdFinal.p, rows: rows, width: e)
        for b in 0..<batch { (tape.pooled.p + b * e).update(from: tape.context.p + b * l * e, count: e) }
        return tape
    }

    /// Backward from the gradients of the context [B·L, E] and pooled [B, E] outputs.
    func backward(_ params: ParameterSet, tape: Tape, dContext: UnsafePointer<Float>, dPooled: UnsafePointer<Float>) {
        let (batch, l, e, heads) = (tape.batch, config.length, config.width, config.heads)
        let rows = batch * l
        let dOut = Buffer(rows * e)
        dOut.p.update(from: dContext, count: rows * e)
        for b in 0..<batch { for j in 0..<e { dOut.p[b * l * e + j] += dPooled[b * e + j] } }
        let dX = Buffer(rows * e)
        rmsNormBackward(dy: dOut.p, x: tape.final.p, stride: e, weight: params.value(finalNorm), rstd: tape.rstdFinal.p,
                        dx: dX.p, dxStride: e, accumulate: false, dWeight: params.grad(finalNorm), rows: rows, width: e)
        for (layer, t) in zip(layers, tape.layers).reversed() {
            // x_out = mid + MLP(norm2(mid))
            let dNormed2 = Buffer(rows * e)
            layer.mlp.backward(params, rows: rows, x: t.normed2.p, tape: t.mlp, dOut: dX.p, dx: dNormed2.p)
            rmsNormBackward(dy: dNormed2.p, x: t.mid.p, stride: e, weight: params.value(layer.norm2), rstd: t.rstd2.p,
                            dx: dX.p, dxStride: e, accumulate: true, dWeight: params.grad(layer.norm2), rows: rows, width: e)
            // mid = input + out(attn(qkv(norm1(input))))
            let dAttn = Buffer(rows * e), dqkv = Buffer(rows * 3 * e), dNormed1 = Buffer(rows * e)
            layer.out.backward(params, rows: rows, x: t.attn.p, ldx: e, dy: dX.p, ldy: e, dx: dAttn.p, lddx: e)
            attentionBackward(q: t.qkv.p, k: t.qkv.p + e, v: t.qkv.p + 2 * e, stride: 3 * e, probs: t.probs.p,
                              dOut: dAttn.p, ldo: e, dq: dqkv.p, dk: dqkv.p + e, dv: dqkv.p + 2 * e,
                              batch: batch, tokens: l, heads: heads, headDim: e / heads)
            layer.qkv.backward(params, rows: rows, x: t.normed1.p, ldx: e, dy: dqkv.p, ldy: 3 * e, dx: dNormed1.p, lddx: e)
            rmsNormBackward(dy: dNormed1.p, x: t.input.p, stride: e, weight: params.value(layer.norm1), rstd: t.rstd1.p,
                            dx: dX.p, dxStride: e, accumulate: true, dWeight: params.grad(layer.norm1), rows: rows, width: e)
        }
        let dTok = params.grad(tokenEmbedding), dPos = params.grad(positionEmbedding)
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
