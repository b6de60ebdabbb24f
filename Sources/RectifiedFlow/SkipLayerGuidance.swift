import FlowCore

/// Skip-layer guidance (SD3.5-medium; diffusers' `skip_guidance_layers`): on the steps inside
/// (start, stop) — as fractions of the step count — a third forward runs the conditional branch
/// with `layers` bypassed, and the guided velocity moves away from it:
/// `v ← v + scale·(v_cond − v_skip)`. Only with classifier-free guidance, as in diffusers.
public struct SkipLayerGuidance: Sendable, Equatable, Codable {
    /// Joint blocks to bypass (diffusers' default for SD3.5-medium: 7, 8, 9).
    public var layers: [Int]
    /// diffusers 2.8 (Stability's sd3_infer 2.5).
    public var scale: Float
    /// Fractions of the step count: the guidance applies on steps i with start·N < i < stop·N
    /// (diffusers 0.01 and 0.2).
    public var start: Float
    public var stop: Float

    public init(layers: [Int], scale: Float = 2.8, start: Float = 0.01, stop: Float = 0.2) {
        self.layers = layers
        self.scale = scale
        self.start = start
        self.stop = stop
    }

    /// Whether step `index` (0-based) of `count` is guided, computed as diffusers does
    /// (`i > num_inference_steps * start and i < num_inference_steps * stop`, in Float64).
    public func applies(step index: Int, of count: Int) -> Bool {
        Double(index) > Double(count) * Double(start) && Double(index) < Double(count) * Double(stop)
    }
}

/// A velocity model whose layers can be bypassed for one prediction (skip-layer guidance).
public protocol LayerSkippingVelocityModel: VelocityModel {
    /// `velocity(...)` with the blocks `layers` bypassed.
    func velocity(latents: Tensor, context: Tensor, pooled: Tensor, timesteps: [Float], skipping layers: [Int]) throws -> Tensor
}
