import FlowCore

/// What SD3's MM-DiT takes for one prompt (diffusers' `prompt_embeds`, `pooled_prompt_embeds`).
public struct SD3PromptEmbedding: Sendable {
    /// [1, 77 + L, Dj]: CLIP-L ‖ CLIP-G tokens zero-padded to Dj, then T5's L tokens (or zeros).
    public let context: Tensor
    /// [1, Pl + Pg]: CLIP-L's pooled vector, then CLIP-G's (768 + 1280 = 2048 in SD3).
    public let pooled: Tensor
    /// Words cut by the CLIP tokenizers' 77-token limit (CLIP-L's, then CLIP-G's new ones).
    public let clipTruncatedWords: [String]
    /// Words cut by T5's limit (empty without T5).
    public let t5TruncatedWords: [String]
}
