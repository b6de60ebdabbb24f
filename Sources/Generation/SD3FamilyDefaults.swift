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
    /// Skip-layer guidance the family was tuned with, if any; off unless the user turns it on.
    public var skipLayerGuidance: SkipLayerGuidance?

    /// Skip-layer guidance (diffusers `skip_guidance_layers`, `skip_layer_guidance_scale`,
    /// `_start`, `_stop`): a third forward of the conditional branch with `layers` bypassed, for
    /// steps whose progress lies in [start, stop).
    public struct SkipLayerGuidance: Sendable, Equatable {
        /// The joint blocks bypassed.
        public var layers: [Int]
        /// Its scale.
        public var scale: Float
        /// Fraction of the steps where it starts.
        public var start: Double
        /// Fraction of the steps where it stops.
        public var stop: Double
        /// Whether it is on by default: never (diffusers runs it only when asked).
        public var enabledByDefault: Bool

        public init(layers: [Int], scale: Float, start: Double, stop: Double, enabledByDefault: Bool = false) {
            self.layers = layers
            self.scale = scale
            self.start = start
            self.stop = stop
            self.enabledByDefault = enabledByDefault
        }
    }

    public init(steps: Int, guidance: Float, shift: Double, skipLayerGuidance: SkipLayerGuidance? = nil) {
        self.steps = steps
        self.guidance = guidance
        self.shift = shift
        self.skipLayerGuidance = skipLayerGuidance
    }
}
