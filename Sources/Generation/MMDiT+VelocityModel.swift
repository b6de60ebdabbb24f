import FlowCore
import MMDiT
import RectifiedFlow

/// The MM-DiT is the sampler's velocity model: `RectifiedFlow` knows only the protocol, and this
/// is the one place that joins the two.
extension MMDiT: LayerSkippingVelocityModel {
    public func velocity(latents: Tensor, context: Tensor, pooled: Tensor, timesteps: [Float]) throws -> Tensor {
        try self(latents: latents, context: context, pooled: pooled, timesteps: timesteps)
    }

    public func velocity(latents: Tensor, context: Tensor, pooled: Tensor, timesteps: [Float], skipping layers: [Int]) throws -> Tensor {
        try self(latents: latents, context: context, pooled: pooled, timesteps: timesteps, skipping: Set(layers))
    }
}

/// An MM-DiT whose forwards stop between joint blocks once `interrupt` answers true (they throw
/// `ForwardInterrupted`): how a cancelled run of a slow model stops within one block.
struct InterruptibleMMDiT: LayerSkippingVelocityModel {
    let network: MMDiT
    let interrupt: () -> Bool

    func velocity(latents: Tensor, context: Tensor, pooled: Tensor, timesteps: [Float]) throws -> Tensor {
        try network(latents: latents, context: context, pooled: pooled, timesteps: timesteps, interrupt: interrupt)
    }

    func velocity(latents: Tensor, context: Tensor, pooled: Tensor, timesteps: [Float], skipping layers: [Int]) throws -> Tensor {
        try network(latents: latents, context: context, pooled: pooled, timesteps: timesteps, skipping: Set(layers),
                     interrupt: interrupt)
    }
}
