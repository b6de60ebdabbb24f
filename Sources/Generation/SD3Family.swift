import MMDiT

/// The SD3-family models FlowStudio runs, told apart by the MM-DiT's structure (read from the
/// weights by `MMDiTConfig.detect`) and, for turbo, by name:
///
/// | family | depth | qk-norm | MMDiT-X (dual attention) blocks |
/// |---|---|---|---|
/// | SD3-medium | 24 | no | none |
/// | SD3.5-medium | 24 | yes | 0–12 |
/// | SD3.5-large | 38 | yes | none |
/// | SD3.5-large-turbo | 38 | yes | none |
///
/// The widths (64·depth) are not used, so a tiny test checkpoint of the same structure is
/// classified the same; the MM-DiT loads whatever widths the file has.
///
/// **Turbo rule.** SD3.5-large-turbo has exactly the weights' shapes of SD3.5-large, the same
/// `model_index.json` class (`StableDiffusion3Pipeline`) and the same scheduler config
/// (`FlowMatchEulerDiscreteScheduler`, shift 3.0) in the published repos; nothing in the files
/// differs but the name. So a depth-38 model is turbo when the name of the `--model` file or
/// folder (or of the folder holding it) contains "turbo", case-insensitively
/// (`sd3.5_large_turbo.safetensors`, `stable-diffusion-3.5-large-turbo/`); otherwise large.
public enum SD3Family: String, CaseIterable, Sendable, CustomStringConvertible {
    case sd3Medium = "sd3-medium"
    case sd35Medium = "sd3.5-medium"
    case sd35Large = "sd3.5-large"
    case sd35LargeTurbo = "sd3.5-large-turbo"
    /// An MM-DiT of the SD3 kind (patch 2, 16 latent channels) whose depth or attention layout is
    /// none of the published models': a fine-tune of another shape, or a tiny test model. It runs
    /// with diffusers' pipeline defaults.
    case other = "sd3-other"

    public var description: String {
        switch self {
        case .sd3Medium: "SD3-medium"
        case .sd35Medium: "SD3.5-medium"
        case .sd35Large: "SD3.5-large"
        case .sd35LargeTurbo: "SD3.5-large-turbo"
        case .other: "SD3-family MM-DiT of another shape"
        }
    }

    /// The family of an MM-DiT of this structure (`.other` for an SD3-kind MM-DiT of an unpublished
    /// shape), nil when it is not an SD3-kind MM-DiT (patch 2, 16 latent channels). `name` is the
    /// file or folder name the model came from (the turbo rule).
    public static func detect(_ config: MMDiTConfig, name: String) -> SD3Family? {
        let standard = config.patchSize == 2 && config.inChannels == 16 && config.outChannels == 16
        guard standard else { return nil }
        switch (config.depth, config.qkNorm, config.dualAttentionLayers) {
        case (24, false, []): return .sd3Medium
        case (24, true, Array(0...12)): return .sd35Medium
        case (38, true, []): return name.lowercased().contains("turbo") ? .sd35LargeTurbo : .sd35Large
        default: return .other
        }
    }

    /// The sampling defaults (see `SD3FamilyDefaults`).
    ///
    /// - SD3-medium: 28 steps, CFG 7.0 (diffusers' card and pipeline defaults), shift 3.0.
    /// - SD3.5-medium: 40 steps, CFG 4.5 (diffusers' card; `sd3_infer.py`: 50 / 5), shift 3.0;
    ///   skip-layer guidance as diffusers' pipeline defaults: layers 7, 8, 9, scale 2.8, from
    ///   1 % to 20 % of the steps (`sd3_infer.py` uses scale 2.5), off by default.
    /// - SD3.5-large: 28 steps, CFG 3.5 (diffusers' card; `sd3_infer.py`: 40 / 4.5), shift 3.0.
    /// - SD3.5-large-turbo: 4 steps, CFG 0 (no guidance: diffusers' card), shift 3.0.
    /// - another shape: diffusers' `StableDiffusion3Pipeline` defaults, 28 steps, CFG 7.0, shift 3.0.
    ///
    /// A diffusers folder's `scheduler_config.json` `shift` replaces the shift (`SD3ModelFiles.defaults`).
    public var defaults: SD3FamilyDefaults {
        switch self {
        case .sd3Medium:
            SD3FamilyDefaults(steps: 28, guidance: 7.0, shift: 3.0)
        case .sd35Medium:
            SD3FamilyDefaults(steps: 40, guidance: 4.5, shift: 3.0,
                              skipLayerGuidance: .init(layers: [7, 8, 9], scale: 2.8, start: 0.01, stop: 0.2))
        case .sd35Large:
            SD3FamilyDefaults(steps: 28, guidance: 3.5, shift: 3.0)
        case .sd35LargeTurbo:
            SD3FamilyDefaults(steps: 4, guidance: 0, shift: 3.0)
        case .other:
            SD3FamilyDefaults(steps: 28, guidance: 7.0, shift: 3.0)
        }
    }
}
