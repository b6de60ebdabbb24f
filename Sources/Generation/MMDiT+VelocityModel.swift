import FlowCore
import MMDiT
import RectifiedFlow

/// The MM-DiT is the sampler's velocity model: `RectifiedFlow` knows only the protocol, and this
/// is the one place that joins the two.
extension MMDiT: VelocityModel {
    public func velocity(latents: Tensor, context: Tensor, pooled: Tensor, timesteps: [Float]) throws -> Tensor {
        try self(latents: latents, context: context, pooled: pooled, timesteps: timesteps)
    }
}
