import FlowCore

// Dimension letters: Tc CLIP tokens (77), Wl / Wg CLIP-L / CLIP-G widths (768 / 1280), Pl / Pg their
// pooled widths (768 / 1280), L T5 tokens (256), Dj the MM-DiT's joint_attention_dim (4096 = T5's width).

/// SD3's prompt encoding (diffusers 0.42.1 `StableDiffusion3Pipeline.encode_prompt`), split so that
/// a caller can load one encoder, run it, release it and load the next (T5-XXL alone is 19 GB
/// in float32):
///
/// 1. `clip(_:tokenizer:model:)` with CLIP-L and `tokenizer/` (pads with `<|endoftext|>`), then
///    with CLIP-G and `tokenizer_2/` (pads with `!`: `CLIPTokenizer.withPadToken("!")`);
/// 2. `t5(_:tokenizer:model:)` with T5-XXL, or nothing when there is no T5;
/// 3. `assemble(clipL:clipG:t5:jointAttentionDim:)`.
///
/// The negative prompt is encoded the same way (diffusers encodes "" when none is given, and uses
/// `clip_skip` only for the positive prompt). Batches are the caller's: one prompt per call.
public enum SD3PromptEncoder {
    /// One CLIP's share.
    public struct CLIPPart: Sendable {
        /// [Tc, W]: the penultimate hidden state (or `clip_skip`'s).
        public let hiddenStates: Tensor
        /// [P]: the projected pooled vector.
        public let pooled: Tensor
        /// Prompt words that did not fit in 77 tokens.
        public let truncatedWords: [String]
    }

    /// T5's share.
    public struct T5Part: Sendable {
        /// [L, D]: T5's last hidden state.
        public let hiddenStates: Tensor
        /// Prompt words that did not fit in L tokens.
        public let truncatedWords: [String]
    }

    /// Tokenizes `prompt` to 77 ids and runs one CLIP (`_get_clip_prompt_embeds`).
    public static func clip(_ prompt: String, tokenizer: CLIPTokenizer, model: CLIPTextModel, clipSkip: Int = 0) throws -> CLIPPart {
        let encoding = tokenizer.encode(prompt)
        let out = try model.encode(encoding.tokens, clipSkip: clipSkip)
        return CLIPPart(hiddenStates: out.hiddenStates, pooled: out.pooled, truncatedWords: encoding.truncatedWords)
    }

    /// Tokenizes `prompt` to `maxSequenceLength` ids (diffusers' `max_sequence_length`, 256) and
    /// runs T5 without an attention mask (`_get_t5_prompt_embeds`).
    public static func t5(_ prompt: String, tokenizer: T5Tokenizer, model: T5Encoder, maxSequenceLength: Int = 256) throws -> T5Part {
        guard maxSequenceLength >= 1 else { throw TextModelError.input("the T5 sequence length must be at least 1 (got \(maxSequenceLength))") }
        let encoding = tokenizer.encode(prompt, length: maxSequenceLength)
        return T5Part(hiddenStates: try model.encode(encoding.tokens), truncatedWords: encoding.truncatedWords)
    }

    /// Joins the parts as `encode_prompt` does: context = cat(pad(cat(clip_l, clip_g; features),
    /// to Dj with zeros), t5; tokens) [1, Tc + L, Dj]; pooled = cat(pooled_l, pooled_g) [1, Pl + Pg].
    /// Without T5 its L rows are zeros [maxSequenceLength, Dj], as the pipeline makes them.
    /// `jointAttentionDim` is the MM-DiT's `joint_attention_dim` (T5's width when there is one).
    public static func assemble(clipL: CLIPPart, clipG: CLIPPart, t5: T5Part?, jointAttentionDim dj: Int,
                                maxSequenceLength: Int = 256) throws -> SD3PromptEmbedding {
        let l = clipL.hiddenStates.shape, g = clipG.hiddenStates.shape
        guard l.count == 2, g.count == 2, l[0] == g[0] else {
            throw TextModelError.input("the CLIP outputs must be [tokens, width] with equal token counts, got \(describeShape(l)) and \(describeShape(g))")
        }
        let tc = l[0], wl = l[1], wg = g[1]
        guard wl + wg <= dj else {
            throw TextModelError.input("the CLIP widths \(wl) + \(wg) exceed the joint attention width \(dj)")
        }
        let t5Rows: Int
        if let t5 {
            let s = t5.hiddenStates.shape
            guard s.count == 2, s[1] == dj else {
                throw TextModelError.input("T5's output is \(describeShape(s)), the model takes tokens of width \(dj)")
            }
            t5Rows = s[0]
        } else {
            guard maxSequenceLength >= 0 else { throw TextModelError.input("negative T5 sequence length \(maxSequenceLength)") }
            t5Rows = maxSequenceLength
        }
        var context = Tensor(zeros: [1, tc + t5Rows, dj])                         // [1, Tc + L, Dj]
        context.scalars.withUnsafeMutableBufferPointer { out in
            for r in 0..<tc {
                for j in 0..<wl { out[r * dj + j] = clipL.hiddenStates.scalars[r * wl + j] }       // [Tc, 0 ..< Wl]
                for j in 0..<wg { out[r * dj + wl + j] = clipG.hiddenStates.scalars[r * wg + j] }  // [Tc, Wl ..< Wl+Wg]
            }                                                                                      // rest: zero padding
            if let t5 {
                for (i, v) in t5.hiddenStates.scalars.enumerated() { out[tc * dj + i] = v }          // [L, Dj]
            }
        }
        let pooled = Tensor(shape: [1, clipL.pooled.count + clipG.pooled.count],
                            scalars: clipL.pooled.scalars + clipG.pooled.scalars)                  // [1, Pl + Pg]
        var clipWords = clipL.truncatedWords
        clipWords += clipG.truncatedWords.filter { !clipWords.contains($0) }
        return SD3PromptEmbedding(context: context, pooled: pooled, clipTruncatedWords: clipWords,
                                  t5TruncatedWords: t5?.truncatedWords ?? [])
    }
}
