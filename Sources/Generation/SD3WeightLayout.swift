/// The key layout a component's weights are handed out in.
///
/// Each component has one canonical layout, so the code that loads it knows one set of names:
///
/// | component | layout | example key |
/// |---|---|---|
/// | MM-DiT | `.diffusers` | `transformer_blocks.0.attn.to_q.weight` (Stability files converted on the fly by `diffusersView(of:)`) |
/// | CLIP-L / CLIP-G | `.transformers` | `text_model.encoder.layers.0.self_attn.q_proj.weight`, `text_projection.weight` |
/// | T5-XXL | `.transformers` | `shared.weight`, `encoder.block.0.layer.0.SelfAttention.q.weight` |
/// | VAE | `.diffusers` or `.ldm` | `decoder.mid_block.resnets.0.conv1.weight` / `decoder.mid.block_1.conv1.weight` |
///
/// The VAE is handed out as stored (prefix stripped) and marked, because the LDM → diffusers
/// map belongs to the VAE decoder.
public enum SD3WeightLayout: String, Sendable, Equatable {
    /// diffusers' names (MM-DiT: `SD3Transformer2DModel`; VAE: `AutoencoderKL`).
    case diffusers
    /// transformers' names (`CLIPTextModelWithProjection` with its `text_model.` wrapper, `T5EncoderModel`).
    case transformers
    /// The original Stability / LDM names (the VAE of a single-file checkpoint, `first_stage_model.` stripped).
    case ldm
}
