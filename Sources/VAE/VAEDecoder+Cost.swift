import FlowCore

extension VAEDecoder {
    /// Floating-point operations (2 per multiply-add) of the untiled decoder on `batch` latents of
    /// `latentHeight × latentWidth`: every conv and the attention's products; norms, SiLU and the
    /// im2col gathering are not counted. SD3 at 64×64 (512² pictures): 2.52 TFLOP per picture.
    public func decodeFLOPs(latentHeight h: Int, latentWidth w: Int, batch: Int = 1) -> Double {
        var macs = 0.0
        var (height, width) = (h, w)
        if let postQuantConv { macs += postQuantConv.multiplyAdds(height: height, width: width) }
        macs += convIn.multiplyAdds(height: height, width: width)
        for resnet in midResnets { macs += resnet.multiplyAdds(height: height, width: width) }
        if let midAttention { macs += midAttention.multiplyAdds(tokens: height * width) }
        for block in upBlocks {
            for resnet in block.resnets { macs += resnet.multiplyAdds(height: height, width: width) }
            if let upsample = block.upsample {
                (height, width) = (2 * height, 2 * width)
                macs += upsample.conv.multiplyAdds(height: height, width: width)
            }
        }
        macs += convOut.multiplyAdds(height: height, width: width)
        return 2 * macs * Double(batch)
    }

    /// Peak bytes of activations while decoding one picture untiled from a latent of
    /// `latentHeight × latentWidth` (batch items run one after the other): the largest set of maps
    /// alive at once — a resnet holds its input, the normalised input and two output-width maps;
    /// an upsample its input and the 4× output; the attention q, k, v and its output — plus each
    /// thread's im2col band (`Conv2D.bandBytes`). SD3: ≈ 2.7 GB at 128×128 (1024²), 0.67 GB at 64×64.
    /// With tiling, the same at one tile (128×128 for SD3) bounds it at any size, plus the output.
    public func activationBytes(latentHeight h: Int, latentWidth w: Int) -> Int {
        var peak = 0
        var plane = h * w
        let top = config.blockOutChannels.last!
        func resnetPeak(_ r: ResnetBlock, _ plane: Int) -> Int {
            max(2 * r.inChannels + r.outChannels, r.inChannels + 2 * r.outChannels) * plane
        }
        peak = max(peak, (config.latentChannels + top) * plane)
        for resnet in midResnets { peak = max(peak, resnetPeak(resnet, plane)) }
        if midAttention != nil { peak = max(peak, (2 + 3 + 1) * top * plane) }
        for block in upBlocks {
            for resnet in block.resnets { peak = max(peak, resnetPeak(resnet, plane)) }
            if let upsample = block.upsample {
                peak = max(peak, 5 * upsample.conv.outChannels * plane)
                plane *= 4
            }
        }
        peak = max(peak, (config.blockOutChannels[0] + config.outChannels) * plane)
        return 4 * peak + Parallel.threadCount * Conv2D.bandBytes
    }
}
