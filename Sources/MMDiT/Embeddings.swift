import Foundation
import FlowCore

/// The patch embedding: a stride-p convolution (one GEMM over (c, i, j)-ordered patches) plus
/// the stored 2-D positional table, centre-cropped to the latent's patch grid.
struct PatchEmbedding {
    /// `pos_embed.proj`: conv weight [D, C, p, p] viewed as [D, C·p·p].
    let projection: Linear
    /// `pos_embed.pos_embed`: [M·M, D] (stored as [1, M², D]).
    let table: Tensor
    let patchSize: Int
    let tableSide: Int

    init(_ store: WeightStore, _ config: MMDiTConfig) {
        let d = config.hiddenSize, p = config.patchSize
        let weight = store.take("pos_embed.proj.weight", [d, config.inChannels, p, p])
        projection = Linear(weight: weight.reshaped([d, config.patchFeatures]),
                            bias: store.take("pos_embed.proj.bias", [d]))
        let m = config.posEmbedMaxSize
        table = store.take("pos_embed.pos_embed", [1, m * m, d]).reshaped([m * m, d])
        patchSize = p
        tableSide = m
    }

    /// `latents` [B, C, H, W] → tokens [B, (H/p)·(W/p), D].
    func callAsFunction(_ latents: Tensor) -> Tensor {
        let (height, width) = (latents.shape[2] / patchSize, latents.shape[3] / patchSize)
        var tokens = projection(patchify(latents, patch: patchSize))  // [B, N, D]
        let d = projection.outFeatures
        let top = (tableSide - height) / 2, left = (tableSide - width) / 2
        let batch = latents.shape[0]
        tokens.scalars.withUnsafeMutableBufferPointer { out in
            table.scalars.withUnsafeBufferPointer { pos in
                for b in 0..<batch {
                    for row in 0..<height {
                        for col in 0..<width {
                            let dst = out.baseAddress! + ((b * height + row) * width + col) * d
                            let src = pos.baseAddress! + ((top + row) * tableSide + left + col) * d
                            for i in 0..<d { dst[i] += src[i] }
                        }
                    }
                }
            }
        }
        return tokens
    }
}

/// The conditioning vector: timestep sinusoid → MLP, plus pooled text → MLP
/// (diffusers' `CombinedTimestepTextProjEmbeddings`).
struct TimestepTextEmbedding {
    static let frequencyChannels = 256
    let timestep1: Linear, timestep2: Linear  // 256 → D → D
    let text1: Linear, text2: Linear          // pooled → D → D

    init(_ store: WeightStore, _ config: MMDiTConfig) {
        let d = config.hiddenSize
        timestep1 = store.linear("time_text_embed.timestep_embedder.linear_1", in: Self.frequencyChannels, out: d)
        timestep2 = store.linear("time_text_embed.timestep_embedder.linear_2", in: d, out: d)
        text1 = store.linear("time_text_embed.text_embedder.linear_1", in: config.pooledDim, out: d)
        text2 = store.linear("time_text_embed.text_embedder.linear_2", in: d, out: d)
    }

    /// `timesteps` [B] on the 0–1000 scale, `pooled` [B, Dpool] → [B, D].
    func callAsFunction(timesteps: [Float], pooled: Tensor) -> Tensor {
        let t = timestep2(silu(timestep1(timestepSinusoid(timesteps, channels: Self.frequencyChannels))))
        let y = text2(silu(text1(pooled)))
        return t + y
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
