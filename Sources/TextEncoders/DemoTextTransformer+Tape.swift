import FlowCore

// Legend: see DemoTextTransformer.swift (B, L, R = B·L, E, H, F).

extension DemoTextTransformer {
    /// What `backward` needs from one `forward`.
    public final class Tape {
        let tokens: [[Int]]
        final class LayerTape {
            let input: FloatBuffer?, rstd1: FloatBuffer?, normed1: FloatBuffer   // [R, E], [R], [R, E]
            let qkv: FloatBuffer, probs: FloatBuffer?, attended: FloatBuffer     // [R, 3E], [B, H, L, L], [R, E]
            let mid: FloatBuffer?, rstd2: FloatBuffer?, normed2: FloatBuffer     // [R, E], [R], [R, E]
            let mlp: FeedForward.Tape?, mlpOut: FloatBuffer                      // [R, F] ×2, [R, E]
            init(batch: Int, length l: Int, width e: Int, heads: Int, mlpWidth: Int, keep: Bool) {
                let rows = batch * l
                input = keep ? FloatBuffer(uninitialized: rows * e) : nil
                rstd1 = keep ? FloatBuffer(uninitialized: rows) : nil
                normed1 = FloatBuffer(uninitialized: rows * e)
                qkv = FloatBuffer(uninitialized: rows * 3 * e)
                probs = keep ? FloatBuffer(uninitialized: batch * heads * l * l) : nil
                attended = FloatBuffer(uninitialized: rows * e)
                mid = keep ? FloatBuffer(uninitialized: rows * e) : nil
                rstd2 = keep ? FloatBuffer(uninitialized: rows) : nil
                normed2 = FloatBuffer(uninitialized: rows * e)
                mlp = keep ? FeedForward.Tape(rows: rows, hidden: mlpWidth) : nil
                mlpOut = FloatBuffer(uninitialized: rows * e)
            }
        }
        let layers: [LayerTape]
        let final: FloatBuffer, rstdFinal: FloatBuffer                            // [R, E], [R]
        /// The forward's outputs.
        public internal(set) var output: Output?

        init(_ model: DemoTextTransformer, tokens: [[Int]]) {
            let c = model.config, rows = tokens.count * c.length
            self.tokens = tokens
            layers = (0..<c.layers).map { _ in
                LayerTape(batch: tokens.count, length: c.length, width: c.width, heads: c.heads, mlpWidth: c.mlpWidth, keep: true)
            }
            final = FloatBuffer(uninitialized: rows * c.width)
            rstdFinal = FloatBuffer(uninitialized: rows)
        }
    }

    /// A tape for one training forward of `tokens`.
    public func makeTape(tokens: [[Int]]) -> Tape { Tape(self, tokens: tokens) }
}
