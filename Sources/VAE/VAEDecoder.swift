import FlowCore

// Legend: B batch, C channels, h w latent height/width, H W picture height/width (8h, 8w for SD3).

/// The decoder of diffusers' `AutoencoderKL` (SD3's VAE): latents `[B, 16, h, w]` → pictures
/// `[B, 3, 8h, 8w]` in about [-1, 1].
///
/// ```
/// z ─▶ (post_quant_conv) ─▶ conv_in ─▶ mid: resnet, attention, resnet
///   ─▶ up blocks (widest first; each: layersPerBlock+1 resnets, then 2× upsample but the last)
///   ─▶ GroupNorm ─▶ SiLU ─▶ conv_out
/// ```
/// Tensors are declared under diffusers' keys (`decoder.*`, `post_quant_conv.*`); `load(from:)`
/// also reads the original LDM layout of Stability's single files (see `LDMVAECheckpoint`).
/// Batch items are decoded one after the other (GroupNorm is per item, so this is exact), which
/// bounds memory by one picture's activations (`activationBytes`).
public final class VAEDecoder: @unchecked Sendable {
    /// One level of the decoder: `UpDecoderBlock2D`.
    public struct UpBlock: Sendable {
        public let resnets: [ResnetBlock]
        public let upsample: Upsample?
    }

    public let config: VAEDecoderConfig
    public let store: ParameterStore
    /// The arithmetic of the large products (float32 unless asked).
    public let precision: MatrixPrecision
    /// How the 3×3 convs run: Winograd (the default) or im2col (its plain twin, for tests and
    /// `flowstudio bench vae`). Set it between decodes, never during one.
    public var convolution: ConvolutionAlgorithm = .winograd
    public let postQuantConv: Conv2D?
    public let convIn: Conv2D
    public let midResnets: [ResnetBlock]
    public let midAttention: VAEAttention?
    public let upBlocks: [UpBlock]
    public let normOut: GroupNorm
    public let convOut: Conv2D

    /// Declares every tensor of the decoder described by `config` (values are zero until loaded).
    public init(config: VAEDecoderConfig, precision: MatrixPrecision = .float32) throws(VAEError) {
        try config.validate()
        self.config = config
        self.precision = precision
        let store = ParameterStore()
        self.store = store
        let groups = config.normNumGroups
        let top = config.blockOutChannels.last!
        postQuantConv = config.usePostQuantConv
            ? Conv2D(store, "post_quant_conv", in: config.latentChannels, out: config.latentChannels, kernel: 1) : nil
        convIn = Conv2D(store, "decoder.conv_in", in: config.latentChannels, out: top, kernel: 3)
        midResnets = [0, 1].map { ResnetBlock(store, "decoder.mid_block.resnets.\($0)", in: top, out: top, groups: groups) }
        midAttention = config.midBlockAddAttention
            ? VAEAttention(store, "decoder.mid_block.attentions.0", channels: top, groups: groups) : nil
        upBlocks = config.upBlockChannels.enumerated().map { i, channels in
            let prefix = "decoder.up_blocks.\(i)"
            let resnets = (0..<config.resnetsPerUpBlock).map { j in
                ResnetBlock(store, "\(prefix).resnets.\(j)", in: j == 0 ? channels.input : channels.output,
                            out: channels.output, groups: groups)
            }
            let last = i == config.levels - 1
            return UpBlock(resnets: resnets, upsample: last ? nil : Upsample(store, "\(prefix).upsamplers.0", channels: channels.output))
        }
        normOut = GroupNorm(store, "decoder.conv_norm_out", channels: config.blockOutChannels[0], groups: groups)
        convOut = Conv2D(store, "decoder.conv_out", in: config.blockOutChannels[0], out: config.outChannels, kernel: 3)
        store.allocate()
    }

    /// True for the tensors of a full autoencoder file that the decoder does not use and strict
    /// loading skips: exactly the encoder (`encoder.*`) and `quant_conv.*` (diffusers and LDM
    /// spell them alike). Every other tensor must be the decoder's.
    public static func isEncoderKey(_ name: String) -> Bool {
        name.hasPrefix("encoder.") || name == "quant_conv.weight" || name == "quant_conv.bias"
    }

    /// Loads, strictly, from diffusers keys or the LDM layout (with or without
    /// `first_stage_model.` / `vae.`): a missing, unused or mis-shaped tensor is one
    /// `ParameterStoreError` listing every problem; the encoder's tensors are skipped.
    public func load(from provider: TensorProvider) throws {
        try store.load(from: LDMVAECheckpoint.diffusersView(of: provider), ignoring: Self.isEncoderKey)
    }

    /// A decoder detected from `provider`'s tensors (see `VAEDecoderConfig.detect`) and loaded.
    public static func load(from provider: TensorProvider, config: VAEDecoderConfig? = nil,
                            precision: MatrixPrecision = .float32) throws -> VAEDecoder {
        let decoder = try VAEDecoder(config: try config ?? VAEDecoderConfig.detect(from: provider), precision: precision)
        try decoder.load(from: provider)
        return decoder
    }

    var context: ForwardContext { ForwardContext(store: store, precision: precision) }

    /// The decoder network (diffusers' `Decoder.forward`, after `post_quant_conv`) on one latent
    /// already in the VAE's space: `z` [Clatent, h, w] → [3, 8h, 8w].
    public func forward(_ z: FeatureMap) -> FeatureMap {
        let ctx = context, algorithm = convolution
        var x = z
        if let postQuantConv {
            let y = FeatureMap(uninitializedChannels: postQuantConv.outChannels, height: x.height, width: x.width)
            postQuantConv.forward(ctx, input: x.pointer, height: x.height, width: x.width, output: y.pointer)
            x = y
        }
        do {
            let y = FeatureMap(uninitializedChannels: convIn.outChannels, height: x.height, width: x.width)
            convIn.forward(ctx, input: x.pointer, height: x.height, width: x.width, output: y.pointer, algorithm: algorithm)
            x = y
        }
        x = midResnets[0].forward(ctx, x, algorithm: algorithm)
        if let midAttention { x = midAttention.forward(ctx, x) }
        x = midResnets[1].forward(ctx, x, algorithm: algorithm)
        for block in upBlocks {
            for resnet in block.resnets { x = resnet.forward(ctx, x, algorithm: algorithm) }
            if let upsample = block.upsample { x = upsample.forward(ctx, x, algorithm: algorithm) }
        }
        normOut.forward(ctx, input: x.pointer, plane: x.plane, output: x.pointer, silu: true)
        let out = FeatureMap(uninitializedChannels: convOut.outChannels, height: x.height, width: x.width)
        convOut.forward(ctx, input: x.pointer, height: x.height, width: x.width, output: out.pointer, algorithm: algorithm)
        return out
    }

    /// Latents in the MM-DiT's space `[B, Clatent, h, w]` → pictures `[B, 3, 8h, 8w]` in about
    /// [-1, 1], as the SD3 pipeline does it: `z = latents / scaling_factor + shift_factor`, then
    /// `AutoencoderKL.decode(z)`, tiled or not as `tiling` says.
    public func decode(_ latents: Tensor, tiling: VAETiling = .automatic) throws(VAEError) -> Tensor {
        try checkLatentShape(latents)
        let (scaling, shift) = (config.scalingFactor, config.shiftFactor)
        var z = latents
        for i in z.scalars.indices { z.scalars[i] = z.scalars[i] / scaling + shift }
        return decodeScaled(z, tiling: tiling)
    }

    /// diffusers' `AutoencoderKL.decode` on `z` already in the VAE's space.
    public func decodeScaled(_ z: Tensor, tiling: VAETiling = .automatic) -> Tensor {
        let (batch, h, w) = (z.shape[0], z.shape[2], z.shape[3])
        let tiled = shouldTile(latentHeight: h, latentWidth: w, tiling: tiling)
        var items: [Tensor] = []
        for b in 0..<batch {
            let item = FeatureMap(z, item: b)
            items.append(tiled ? tiledForward(item) : forward(item).tensor())
        }
        let shape = [batch] + Array(items[0].shape.dropFirst())
        return Tensor(shape: shape, scalars: items.flatMap(\.scalars))
    }

    func checkLatentShape(_ latents: Tensor) throws(VAEError) {
        guard latents.rank == 4, latents.shape[1] == config.latentChannels, latents.shape[0] > 0,
              latents.shape[2] > 0, latents.shape[3] > 0 else {
            throw .inputShape("expected [B, \(config.latentChannels), h, w] with every size positive, got \(describeShape(latents.shape))")
        }
    }
}
