/// The parts of an SD3 / SD3.5 model that live in separate weights: the MM-DiT, the three text
/// encoders and the VAE.
public enum SD3Component: String, CaseIterable, Sendable, CustomStringConvertible {
    /// The MM-DiT (diffusers `transformer/`, Stability `model.diffusion_model.`).
    case transformer
    /// CLIP ViT-L/14 text encoder (`text_encoder/`, `clip_l.safetensors`).
    case clipL
    /// OpenCLIP ViT-bigG/14 text encoder (`text_encoder_2/`, `clip_g.safetensors`).
    case clipG
    /// T5-v1.1-XXL encoder (`text_encoder_3/`, `t5xxl_fp16.safetensors`); optional.
    case t5
    /// The autoencoder (`vae/`, Stability `first_stage_model.`); optional (previews only without it).
    case vae

    /// The name people use: "MM-DiT", "CLIP-L", "CLIP-G", "T5-XXL", "VAE".
    public var description: String {
        switch self {
        case .transformer: "MM-DiT"
        case .clipL: "CLIP-L"
        case .clipG: "CLIP-G"
        case .t5: "T5-XXL"
        case .vae: "VAE"
        }
    }

    /// The command-line option that gives this component as a file (`--clip-l`…); the MM-DiT is `--model`.
    public var option: String {
        switch self {
        case .transformer: "--model"
        case .clipL: "--clip-l"
        case .clipG: "--clip-g"
        case .t5: "--t5xxl"
        case .vae: "--vae"
        }
    }

    /// The file name ComfyUI / stable-diffusion.cpp users keep it under, for hints.
    public var usualFileName: String {
        switch self {
        case .transformer: "sd3.5_large.safetensors"
        case .clipL: "clip_l.safetensors"
        case .clipG: "clip_g.safetensors"
        case .t5: "t5xxl_fp16.safetensors"
        case .vae: "diffusion_pytorch_model.safetensors of an SD3 vae/ folder"
        }
    }

    /// Its subfolder in a diffusers `StableDiffusion3Pipeline` folder.
    public var diffusersFolder: String {
        switch self {
        case .transformer: "transformer"
        case .clipL: "text_encoder"
        case .clipG: "text_encoder_2"
        case .t5: "text_encoder_3"
        case .vae: "vae"
        }
    }
}
