import FlowCore

extension VAEDecoderConfig {
    /// The config of the decoder whose tensors `provider` holds (diffusers or LDM layout): latent
    /// and output channels from `conv_in` / `conv_out`, the levels and their widths from the up
    /// blocks' resnets, resnets per level, `post_quant_conv` and the mid-block attention by presence.
    ///
    /// Shapes cannot tell the GroupNorm group count, the tile size or the latent scale and shift:
    /// those come from the arguments, which default to SD3's values (32 groups, 1024, and the
    /// scale/shift 1.5305/0.0609 for 16 latent channels, diffusers' LDM default 0.18215/0 otherwise).
    public static func detect(from provider: TensorProvider, normNumGroups: Int = 32, sampleSize: Int = 1024,
                              scalingFactor: Float? = nil, shiftFactor: Float? = nil) throws(VAEError) -> VAEDecoderConfig {
        let view = LDMVAECheckpoint.diffusersView(of: provider)
        let source = provider.sourceDescription
        guard let convIn = view.tensorShape("decoder.conv_in.weight"), convIn.count == 4,
              let convOut = view.tensorShape("decoder.conv_out.weight"), convOut.count == 4 else {
            throw .cannotDetect(source: source, reason: "no 4-D decoder.conv_in.weight / decoder.conv_out.weight")
        }
        var reversedWidths: [Int] = []
        while let shape = view.tensorShape("decoder.up_blocks.\(reversedWidths.count).resnets.0.conv2.weight"), shape.count == 4 {
            reversedWidths.append(shape[0])
        }
        guard !reversedWidths.isEmpty else {
            throw .cannotDetect(source: source, reason: "no decoder up blocks (decoder.up_blocks.0.resnets.0.conv2.weight)")
        }
        var resnets = 0
        while view.tensorShape("decoder.up_blocks.0.resnets.\(resnets).conv1.weight") != nil { resnets += 1 }
        let latentChannels = convIn[1]
        let sd3Like = latentChannels == 16
        let config = VAEDecoderConfig(
            latentChannels: latentChannels, outChannels: convOut[0], blockOutChannels: reversedWidths.reversed(),
            layersPerBlock: resnets - 1, normNumGroups: normNumGroups, sampleSize: sampleSize,
            scalingFactor: scalingFactor ?? (sd3Like ? 1.5305 : 0.18215), shiftFactor: shiftFactor ?? (sd3Like ? 0.0609 : 0),
            usePostQuantConv: view.tensorShape("post_quant_conv.weight") != nil,
            midBlockAddAttention: view.tensorShape("decoder.mid_block.attentions.0.to_q.weight") != nil)
        do {
            try config.validate()
        } catch {
            throw .cannotDetect(source: source, reason: error.description)
        }
        return config
    }
}
