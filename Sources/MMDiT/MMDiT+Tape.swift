import FlowCore

// Legend: see MMDiT.swift.

extension MMDiT {
    /// What `backward` needs from one `forward`: every layer's tape, the text inputs (pointers
    /// owned by the caller: keep them alive until backward) and the prediction.
    public final class Tape {
        let batch: Int, n: Int, l: Int
        let context: UnsafePointer<Float>                 // [B, L, Dctx]
        let pooled: UnsafePointer<Float>                  // [B, Dpool]
        let patches: FloatBuffer                          // [B, N, C·p²]
        let embedding: TimestepTextEmbedding.Tape
        let temb: FloatBuffer, conditioning: FloatBuffer  // [B, D] before / after SiLU
        let blocks: [JointBlock.Tape]
        let outputLayer: OutputLayer.Tape
        /// The prediction [B, N, p²·Cout] in token layout, features (i, j, c).
        public let output: FloatBuffer

        init(_ model: MMDiT, batch: Int, gridHeight: Int, gridWidth: Int, contextTokens l: Int,
             context: UnsafePointer<Float>, pooled: UnsafePointer<Float>) {
            let c = model.config, d = c.hiddenSize, n = gridHeight * gridWidth
            self.batch = batch; self.n = n; self.l = l
            self.context = context; self.pooled = pooled
            patches = FloatBuffer(batch * n * c.patchFeatures)
            embedding = .init(batch: batch, width: d)
            temb = FloatBuffer(batch * d); conditioning = FloatBuffer(batch * d)
            blocks = model.blocks.map { $0.makeTape(batch: batch, n: n, l: l) }
            outputLayer = .init(batch: batch, n: n, width: d)
            output = FloatBuffer(batch * n * model.outputLayer.projection.outFeatures)
        }
    }

    /// A tape for one training forward on latents of `latentHeight`×`latentWidth` with
    /// `contextTokens` text tokens, whose text inputs `context` and `pooled` must outlive it.
    public func makeTape(batch: Int, latentHeight: Int, latentWidth: Int, contextTokens: Int,
                         context: UnsafePointer<Float>, pooled: UnsafePointer<Float>) -> Tape {
        Tape(self, batch: batch, gridHeight: latentHeight / config.patchSize, gridWidth: latentWidth / config.patchSize,
             contextTokens: contextTokens, context: context, pooled: pooled)
    }
}
