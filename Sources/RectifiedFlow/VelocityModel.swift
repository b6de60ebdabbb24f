import FlowCore

/// A network that predicts the rectified-flow velocity `v = ε − x₀` at noise level σ.
public protocol VelocityModel {
    /// `latents` [B, C, H, W], `context` [B, L, Dctx], `pooled` [B, Dpool], `timesteps` [B]
    /// (σ·1000) → velocity [B, C, H, W].
    func velocity(latents: Tensor, context: Tensor, pooled: Tensor, timesteps: [Float]) throws -> Tensor
}

/// The text conditioning of a batch: tokens and pooled vector, as an SD3 model takes them.
public struct TextConditioning: Sendable {
    /// [B, L, Dctx]
    public var context: Tensor
    /// [B, Dpool]
    public var pooled: Tensor

    public init(context: Tensor, pooled: Tensor) {
        self.context = context
        self.pooled = pooled
    }

    /// Zeros of the same shapes (the "no negative prompt" fallback of `flowstudio sample`).
    public var zeros: TextConditioning {
        TextConditioning(context: Tensor(zeros: context.shape), pooled: Tensor(zeros: pooled.shape))
    }
}
