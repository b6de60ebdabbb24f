import FlowCore

/// diffusers' `Upsample2D` with a conv (`upsamplers.0`; LDM `upsample`): nearest-neighbour 2×
/// enlargement, then a 3×3 conv (`conv`). The enlargement is fused into the conv (its Winograd
/// tiles or im2col read the input as if enlarged), so the 4× larger input map is never made.
public struct Upsample: Sendable {
    public let conv: Conv2D

    public init(_ store: ParameterStore, _ prefix: String, channels: Int) {
        conv = Conv2D(store, prefix + ".conv", in: channels, out: channels, kernel: 3)
    }

    /// `x` [C, H, W] → [C, 2H, 2W].
    public func forward(_ ctx: ForwardContext, _ x: FeatureMap, algorithm: ConvolutionAlgorithm = .winograd) -> FeatureMap {
        let out = FeatureMap(uninitializedChannels: conv.outChannels, height: 2 * x.height, width: 2 * x.width)
        conv.forward(ctx, input: x.pointer, height: x.height, width: x.width, upsampled: true, output: out.pointer,
                     algorithm: algorithm)
        return out
    }
}
