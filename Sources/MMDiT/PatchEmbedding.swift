import FlowCore

// Legend: B batch, C latent channels, H W latent size, p patch side, N = (H/p)·(W/p) image
// tokens, D width, M side of the stored positional table (in patches).

/// The patch embedding: a stride-p convolution (one GEMM over (c, i, j)-ordered patches) plus
/// the stored 2-D positional table, centre-cropped to the latent's patch grid.
struct PatchEmbedding: Sendable {
    /// `pos_embed.proj`: conv weight [D, C, p, p] viewed as [D, C·p·p].
    let projection: Linear
    /// `pos_embed.pos_embed`: [1, M², D]; fixed (not trained).
    let table: Int
    let patchSize: Int
    let tableSide: Int

    init(_ store: ParameterStore, _ config: MMDiTConfig, prefix: String) {
        let d = config.hiddenSize, p = config.patchSize
        projection = Linear(store, prefix + "pos_embed.proj", in: config.patchFeatures, out: d,
                            weightShape: [d, config.inChannels, p, p])
        let m = config.posEmbedMaxSize
        table = store.declare(prefix + "pos_embed.pos_embed", [1, m * m, d], trainable: false)
        patchSize = p
        tableSide = m
    }

    /// `latents` [B, C, H, W] → `x` [B, N, D]. With `patches` ([B, N, C·p²]), keeps the patches for backward.
    func forward(_ ctx: ForwardContext, latents: Tensor, into x: UnsafeMutablePointer<Float>, patches kept: FloatBuffer?) {
        let (height, width) = (latents.shape[2] / patchSize, latents.shape[3] / patchSize)
        let batch = latents.shape[0], d = projection.outFeatures
        let patches = patchify(latents, patch: patchSize)                                 // [B, N, C·p²]
        patches.scalars.withUnsafeBufferPointer { src in
            kept?.p.update(from: src.baseAddress!, count: src.count)
            projection.forward(ctx, rows: batch * height * width, x: src.baseAddress!, ldx: projection.inFeatures, y: x, ldy: d)
        }
        let pos = ctx.store.value(table)                                                 // [M, M, D]
        let top = (tableSide - height) / 2, left = (tableSide - width) / 2
        for b in 0..<batch {
            for row in 0..<height {
                for col in 0..<width {
                    let dst = x + ((b * height + row) * width + col) * d
                    let src = pos + ((top + row) * tableSide + left + col) * d
                    for i in 0..<d { dst[i] += src[i] }
                }
            }
        }
    }

    /// Accumulates the projection's gradients from d(x) [B, N, D] (the table is fixed).
    func backward(_ ctx: ForwardContext, rows: Int, patches: FloatBuffer, dX: UnsafePointer<Float>) {
        projection.backward(ctx, rows: rows, x: patches.p, ldx: projection.inFeatures, dy: dX, ldy: projection.outFeatures,
                            dx: nil, lddx: 0)
    }
}
