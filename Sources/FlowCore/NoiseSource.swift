/// Which generator draws a run's initial noise from its seed.
public enum NoiseSource: String, CaseIterable, Sendable, Codable {
    /// FlowStudio's own: Philox4x32-10 keyed by the seed (`Noise.gaussian`), the same on every
    /// machine and thread count. The default.
    case philox
    /// `torch.manual_seed(seed); torch.randn(shape)` on the CPU (`TorchNormal`), so a seed used
    /// with diffusers or ComfyUI on the CPU gives the same initial latents.
    case torch

    public static let `default` = NoiseSource.philox

    /// Standard normal noise of `shape` for `seed`.
    public func gaussian(shape: [Int], seed: UInt64) -> Tensor {
        switch self {
        case .philox:
            return Noise.gaussian(shape: shape, seed: seed)
        case .torch:
            return Tensor(shape: shape, scalars: TorchNormal.randn(count: shape.reduce(1, *), seed: seed))
        }
    }
}
