import FlowCore

/// diffusers' `ResnetBlock2D` as the VAE decoder uses it (no time embedding, output scale 1):
/// `out = shortcut(x) + conv2(SiLU(GroupNorm2(conv1(SiLU(GroupNorm1(x))))))`, with the shortcut a
/// 1×1 conv (`conv_shortcut`) when the channel count changes and the identity otherwise.
/// Keys: `norm1`, `conv1`, `norm2`, `conv2`, `conv_shortcut` (LDM: `nin_shortcut`).
public struct ResnetBlock: Sendable {
    public let norm1: GroupNorm
    public let conv1: Conv2D
    public let norm2: GroupNorm
    public let conv2: Conv2D
    public let shortcut: Conv2D?

    public init(_ store: ParameterStore, _ prefix: String, in inChannels: Int, out outChannels: Int, groups: Int) {
        norm1 = GroupNorm(store, prefix + ".norm1", channels: inChannels, groups: groups)
        conv1 = Conv2D(store, prefix + ".conv1", in: inChannels, out: outChannels, kernel: 3)
        norm2 = GroupNorm(store, prefix + ".norm2", channels: outChannels, groups: groups)
        conv2 = Conv2D(store, prefix + ".conv2", in: outChannels, out: outChannels, kernel: 3)
        shortcut = inChannels == outChannels ? nil : Conv2D(store, prefix + ".conv_shortcut", in: inChannels, out: outChannels, kernel: 1)
    }

    public var inChannels: Int { conv1.inChannels }
    public var outChannels: Int { conv2.outChannels }

    /// `x` [Cin, H, W] → [Cout, H, W]. Holds at most x, one Cin map and two Cout maps at once.
    /// `algorithm` is the 3×3 convs'.
    public func forward(_ ctx: ForwardContext, _ x: FeatureMap, algorithm: ConvolutionAlgorithm = .winograd) -> FeatureMap {
        let (h, w) = (x.height, x.width)
        let t = FeatureMap(uninitializedChannels: outChannels, height: h, width: w)  // [Cout, H, W]
        do {
            let a = FeatureMap(uninitializedChannels: inChannels, height: h, width: w)  // [Cin, H, W]
            norm1.forward(ctx, input: x.pointer, plane: x.plane, output: a.pointer, silu: true)
            conv1.forward(ctx, input: a.pointer, height: h, width: w, output: t.pointer, algorithm: algorithm)
        }
        norm2.forward(ctx, input: t.pointer, plane: t.plane, output: t.pointer, silu: true)
        let out = FeatureMap(uninitializedChannels: outChannels, height: h, width: w)  // [Cout, H, W]
        if let shortcut {
            shortcut.forward(ctx, input: x.pointer, height: h, width: w, output: out.pointer)
        } else {
            out.pointer.update(from: x.pointer, count: x.buffer.count)
        }
        conv2.forward(ctx, input: t.pointer, height: h, width: w, output: out.pointer, accumulate: true,
                      algorithm: algorithm)
        return out
    }

    /// Multiply-adds of one forward at `height × width`.
    public func multiplyAdds(height: Int, width: Int) -> Double {
        conv1.multiplyAdds(height: height, width: width) + conv2.multiplyAdds(height: height, width: width)
            + (shortcut?.multiplyAdds(height: height, width: width) ?? 0)
    }
}
