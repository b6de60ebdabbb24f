import RectifiedFlow

/// A family's sampling defaults, from diffusers' model cards and `StableDiffusion3Pipeline`
/// (diffusers 0.42.1), with Stability's `sd3_infer.py` values noted where they differ (as
/// `/work/shared/sd3-reference.md` lists them). The user's settings override them.
public struct SD3FamilyDefaults: Sendable, Equatable {
    /// Euler steps.
    public var steps: Int
    /// Classifier-free guidance scale; 0 means no guidance (one forward per step).
    public var guidance: Float
    /// The flow-matching schedule shift (scheduler_config.json `shift`).
    public var shift: Double
    /// Skip-layer guidance the family was tuned with (diffusers' `skip_guidance_layers` defaults),
    /// if any. Never on by default, as in diffusers: `--slg` turns it on.
    public var skipLayerGuidance: SkipLayerGuidance?

    public init(steps: Int, guidance: Float, shift: Double, skipLayerGuidance: SkipLayerGuidance? = nil) {
        self.steps = steps
        self.guidance = guidance
        self.shift = shift
        self.skipLayerGuidance = skipLayerGuidance
    }
}
