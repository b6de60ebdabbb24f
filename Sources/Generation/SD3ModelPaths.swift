import Foundation

/// What the user passes to find an SD3-family model: `--model PATH` (a diffusers folder, a single
/// file, a transformer-only file or folder, or the demo model) and optional separate files, which
/// override the components found through `model`.
public struct SD3ModelPaths: Sendable, Equatable {
    /// `--model`: a diffusers `StableDiffusion3Pipeline` folder, a Stability single file
    /// (`sd3.5_large.safetensors`), an MM-DiT-only file or folder, or a FlowStudio demo model.
    public var model: URL
    /// `--clip-l`: CLIP-L weights (`clip_l.safetensors`).
    public var clipL: URL?
    /// `--clip-g`: CLIP-G weights (`clip_g.safetensors`).
    public var clipG: URL?
    /// `--t5xxl`: T5-XXL encoder weights (`t5xxl_fp16.safetensors`, `t5xxl_fp8_e4m3fn.safetensors`, an
    /// index, or a `text_encoder_3/` folder). Each component option also takes a component folder.
    public var t5xxl: URL?
    /// `--vae`: VAE weights (diffusers or LDM keys).
    public var vae: URL?
    /// `--tokenizers`: a folder with `tokenizer/`, `tokenizer_2/`, `tokenizer_3/` (like a diffusers folder).
    public var tokenizers: URL?

    public init(model: URL, clipL: URL? = nil, clipG: URL? = nil, t5xxl: URL? = nil, vae: URL? = nil, tokenizers: URL? = nil) {
        self.model = model
        self.clipL = clipL
        self.clipG = clipG
        self.t5xxl = t5xxl
        self.vae = vae
        self.tokenizers = tokenizers
    }

    /// The explicit file for `component`, if one was given.
    public func explicitFile(for component: SD3Component) -> URL? {
        switch component {
        case .transformer: nil
        case .clipL: clipL
        case .clipG: clipG
        case .t5: t5xxl
        case .vae: vae
        }
    }

    /// The options given besides `--model`, for messages ("--clip-l, --vae").
    var explicitOptions: [String] {
        SD3Component.allCases.filter { explicitFile(for: $0) != nil }.map(\.option) + (tokenizers != nil ? ["--tokenizers"] : [])
    }
}
