import FlowCore

// Legend: see JointBlock.swift (B, N, L, T = N + L, D, H, F).

extension JointBlock {
    /// The sizes of one call.
    struct Shape {
        let batch: Int, n: Int, l: Int, d: Int, heads: Int
        var t: Int { n + l }
        var imageRows: Int { batch * n }
        var contextRows: Int { batch * l }
        var jointRows: Int { batch * (n + l) }
    }

    /// The feed-forward residual of one stream: LN(stream) and its modulation, the MLP's hidden
    /// states and its output.
    final class MLPTape {
        let normed: FloatBuffer, rstd: FloatBuffer?, modulated: FloatBuffer  // [R, D], [R], [R, D]
        let ff: FeedForward.Tape?                                            // [R, F] ×2
        let out: FloatBuffer                                                 // [R, D]
        init(rows: Int, width: Int, hidden: Int, keep: Bool) {
            normed = FloatBuffer(uninitialized: rows * width)
            rstd = keep ? FloatBuffer(uninitialized: rows) : nil
            modulated = keep ? FloatBuffer(uninitialized: rows * width) : normed  // modulated in place when not kept
            ff = keep ? FeedForward.Tape(rows: rows, hidden: hidden) : nil
            out = FloatBuffer(uninitialized: rows * width)
        }
    }

    /// One self-attention over a single stream (the MMDiT-X `attn2`).
    final class SelfAttentionTape {
        let qkvPre: FloatBuffer?, qkv: FloatBuffer       // [B, N, 3D] before / after qk-norm
        let rstdQ: FloatBuffer?, rstdK: FloatBuffer?     // [B, N, H]
        let probs: FloatBuffer?                          // [B, H, N, N]
        let attended: FloatBuffer, out: FloatBuffer      // [B, N, D], [B, N, D]
        init(rows: Int, batch: Int, tokens: Int, width: Int, heads: Int, qkNorm: Bool, keep: Bool) {
            qkvPre = keep && qkNorm ? FloatBuffer(uninitialized: rows * 3 * width) : nil
            qkv = FloatBuffer(uninitialized: rows * 3 * width)
            rstdQ = keep && qkNorm ? FloatBuffer(uninitialized: rows * heads) : nil
            rstdK = keep && qkNorm ? FloatBuffer(uninitialized: rows * heads) : nil
            probs = keep ? FloatBuffer(uninitialized: batch * heads * tokens * tokens) : nil
            attended = FloatBuffer(uninitialized: rows * width)
            out = FloatBuffer(uninitialized: rows * width)
        }
    }

    /// The activations of one forward. Training makes one with `keepingEverything` and passes it
    /// to `forward` and then `backward`; without a tape, `forward` makes a lean one for itself
    /// (no normalisation statistics, no attention probabilities, buffers reused in place).
    final class Tape {
        let shape: Shape
        let modX: FloatBuffer, modC: FloatBuffer              // [B, 6D | 9D], [B, 6D | 2D]
        let xNorm: FloatBuffer, rstdX: FloatBuffer?, hx: FloatBuffer  // [B, N, D], [B, N], [B, N, D]
        let hx2: FloatBuffer?                                 // [B, N, D] (MMDiT-X)
        let cNorm: FloatBuffer, rstdC: FloatBuffer?, hc: FloatBuffer  // [B, L, D], [B, L], [B, L, D]
        let qkvPre: FloatBuffer?, qkv: FloatBuffer            // [B, T, 3D] before / after qk-norm
        let rstdQ: FloatBuffer?, rstdK: FloatBuffer?          // [B, T, H]
        let probs: FloatBuffer?                               // [B, H, T, T]
        let attended: FloatBuffer                             // [B, T, D]
        let imageOut: FloatBuffer                             // [B, N, D]
        let second: SelfAttentionTape?
        let imageMLP: MLPTape
        let contextOut: FloatBuffer?                          // [B, L, D]
        let contextMLP: MLPTape?

        init(_ block: JointBlock, _ s: Shape, keepingEverything keep: Bool) {
            let d = s.d, f = block.imageMLP.up.outFeatures
            let qkNorm = block.imageAttention.normQ != nil
            shape = s
            modX = FloatBuffer(uninitialized: s.batch * block.imageChunks * d)
            modC = FloatBuffer(uninitialized: s.batch * block.contextChunks * d)
            xNorm = FloatBuffer(uninitialized: s.imageRows * d)
            rstdX = keep ? FloatBuffer(uninitialized: s.imageRows) : nil
            hx = FloatBuffer(uninitialized: s.imageRows * d)
            hx2 = block.imageSelfAttention == nil ? nil : FloatBuffer(uninitialized: s.imageRows * d)
            cNorm = FloatBuffer(uninitialized: s.contextRows * d)
            rstdC = keep ? FloatBuffer(uninitialized: s.contextRows) : nil
            hc = keep ? FloatBuffer(uninitialized: s.contextRows * d) : cNorm
            qkvPre = keep && qkNorm ? FloatBuffer(uninitialized: s.jointRows * 3 * d) : nil
            qkv = FloatBuffer(uninitialized: s.jointRows * 3 * d)
            rstdQ = keep && qkNorm ? FloatBuffer(uninitialized: s.jointRows * s.heads) : nil
            rstdK = keep && qkNorm ? FloatBuffer(uninitialized: s.jointRows * s.heads) : nil
            probs = keep ? FloatBuffer(uninitialized: s.batch * s.heads * s.t * s.t) : nil
            attended = FloatBuffer(uninitialized: s.jointRows * d)
            imageOut = FloatBuffer(uninitialized: s.imageRows * d)
            second = block.imageSelfAttention == nil ? nil
                : SelfAttentionTape(rows: s.imageRows, batch: s.batch, tokens: s.n, width: d, heads: s.heads, qkNorm: qkNorm, keep: keep)
            imageMLP = MLPTape(rows: s.imageRows, width: d, hidden: f, keep: keep)
            contextOut = block.contextPreOnly ? nil : FloatBuffer(uninitialized: s.contextRows * d)
            contextMLP = block.contextPreOnly ? nil : MLPTape(rows: s.contextRows, width: d, hidden: f, keep: keep)
        }
    }

    /// A tape for training: `forward` fills it, `backward` reads it.
    func makeTape(batch: Int, n: Int, l: Int) -> Tape {
        Tape(self, Shape(batch: batch, n: n, l: l, d: width, heads: heads), keepingEverything: true)
    }
}
