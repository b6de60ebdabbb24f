import Foundation
import FlowCore

// Legend: B batch, D width, P pooled width, 256 sinusoid channels.

/// The conditioning vector temb: timestep sinusoid → MLP, plus pooled text → MLP
/// (diffusers' `CombinedTimestepTextProjEmbeddings`).
struct TimestepTextEmbedding: Sendable {
    static let frequencyChannels = 256
    let timestep1: Linear, timestep2: Linear  // 256 → D → D
    let text1: Linear, text2: Linear          // P → D → D

    init(_ store: ParameterStore, _ config: MMDiTConfig, prefix: String) {
        let d = config.hiddenSize, p = prefix + "time_text_embed."
        timestep1 = Linear(store, p + "timestep_embedder.linear_1", in: Self.frequencyChannels, out: d)
        timestep2 = Linear(store, p + "timestep_embedder.linear_2", in: d, out: d)
        text1 = Linear(store, p + "text_embedder.linear_1", in: config.pooledDim, out: d)
        text2 = Linear(store, p + "text_embedder.linear_2", in: d, out: d)
    }

    /// What backward needs.
    final class Tape {
        let sinusoid: FloatBuffer                                 // [B, 256]
        let t1: FloatBuffer, t1Act: FloatBuffer                   // [B, D] before / after SiLU
        let y1: FloatBuffer, y1Act: FloatBuffer                   // [B, D]
        init(batch: Int, width: Int) {
            sinusoid = FloatBuffer(batch * TimestepTextEmbedding.frequencyChannels)
            t1 = FloatBuffer(batch * width); t1Act = FloatBuffer(batch * width)
            y1 = FloatBuffer(batch * width); y1Act = FloatBuffer(batch * width)
        }
    }

    /// `timesteps` [B] on the 0–1000 scale, `pooled` [B, P] → `temb` [B, D].
    func forward(_ ctx: ForwardContext, timesteps: [Float], pooled: UnsafePointer<Float>, temb: UnsafeMutablePointer<Float>,
                 tape: Tape?) {
        let batch = timesteps.count, d = timestep2.outFeatures
        let sinusoid = tape?.sinusoid ?? FloatBuffer(uninitialized: batch * Self.frequencyChannels)
        timestepSinusoid(timesteps, channels: Self.frequencyChannels).scalars.withUnsafeBufferPointer {
            sinusoid.p.update(from: $0.baseAddress!, count: $0.count)                      // [B, 256]
        }
        mlp(ctx, timestep1, timestep2, rows: batch, x: sinusoid.p, pre: tape?.t1, act: tape?.t1Act, out: temb)   // [B, D]
        let y = FloatBuffer(uninitialized: batch * d)                                        // [B, D]
        mlp(ctx, text1, text2, rows: batch, x: pooled, pre: tape?.y1, act: tape?.y1Act, out: y.p)
        for i in 0..<(batch * d) { temb[i] += y.p[i] }
    }

    /// `out = second(SiLU(first(x)))`, keeping the pre-activation and activation when given buffers.
    private func mlp(_ ctx: ForwardContext, _ first: Linear, _ second: Linear, rows: Int, x: UnsafePointer<Float>,
                     pre kept: FloatBuffer?, act keptAct: FloatBuffer?, out: UnsafeMutablePointer<Float>) {
        let pre = kept ?? FloatBuffer(uninitialized: rows * first.outFeatures)
        first.forward(ctx, rows: rows, x: x, ldx: first.inFeatures, y: pre.p, ldy: first.outFeatures)
        let act = keptAct ?? FloatBuffer(uninitialized: rows * first.outFeatures)
        act.p.update(from: pre.p, count: rows * first.outFeatures)
        siluInPlace(act.p, count: rows * first.outFeatures)
        second.forward(ctx, rows: rows, x: act.p, ldx: second.inFeatures, y: out, ldy: second.outFeatures)
    }

    /// From d(temb) [B, D]: accumulates the four linears' gradients and writes d(pooled) [B, P].
    func backward(_ ctx: ForwardContext, tape: Tape, pooled: UnsafePointer<Float>, dTemb: UnsafePointer<Float>,
                  dPooled: UnsafeMutablePointer<Float>?) {
        let rows = tape.t1.count / timestep2.outFeatures
        mlpBackward(ctx, timestep1, timestep2, rows: rows, x: tape.sinusoid.p, pre: tape.t1, act: tape.t1Act, dOut: dTemb, dx: nil)
        mlpBackward(ctx, text1, text2, rows: rows, x: pooled, pre: tape.y1, act: tape.y1Act, dOut: dTemb, dx: dPooled)
    }

    private func mlpBackward(_ ctx: ForwardContext, _ first: Linear, _ second: Linear, rows: Int, x: UnsafePointer<Float>,
                             pre: FloatBuffer, act: FloatBuffer, dOut: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?) {
        let dAct = FloatBuffer(act.count)                                                    // [B, D]
        second.backward(ctx, rows: rows, x: act.p, ldx: second.inFeatures, dy: dOut, ldy: second.outFeatures,
                        dx: dAct.p, lddx: second.inFeatures)
        siluBackward(dy: dAct.p, u: pre.p, dx: dAct.p, count: dAct.count)
        first.backward(ctx, rows: rows, x: x, ldx: first.inFeatures, dy: dAct.p, ldy: first.outFeatures,
                       dx: dx, lddx: first.inFeatures)
    }
}

/// The sinusoidal timestep features of diffusers' `Timesteps(256, flip_sin_to_cos=True,
/// downscale_freq_shift=0)`: `[cos(t·f_k), sin(t·f_k)]`, `f_k = exp(−ln(10000)·k/half)`,
/// computed in Float32 as PyTorch does. [B] → [B, channels].
public func timestepSinusoid(_ timesteps: [Float], channels: Int) -> Tensor {
    let half = channels / 2
    let frequencies = (0..<half).map { k in expf(-logf(10000) * Float(k) / Float(half)) }
    return Tensor(shape: [timesteps.count, channels]) { out in
        for (b, t) in timesteps.enumerated() {
            for k in 0..<half {
                let angle = t * frequencies[k]
                out[b * channels + k] = cosf(angle)
                out[b * channels + half + k] = sinf(angle)
            }
        }
    }
}
