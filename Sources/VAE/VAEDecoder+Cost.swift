import FlowCore

extension VAEDecoder {
    /// Floating-point operations (2 per multiply-add) of the untiled decoder on `batch` latents of
    /// `latentHeight × latentWidth`: every conv and the attention's products; norms, SiLU and the
    /// im2col gathering or Winograd transforms are not counted. Nominal (direct convolution, 9
    /// multiply-adds per output pixel and channel pair of a 3×3 conv) unless `executedBy` names
    /// the algorithm whose products to count. SD3 at 64×64 (512² pictures): 2.52 TFLOP nominal
    /// per picture (as im2col runs it); Winograd F(2×2, 3×3) runs 1.03 TFLOP of products.
    /// Effective GFLOP/s are the nominal count over the time.
    public func decodeFLOPs(latentHeight h: Int, latentWidth w: Int, batch: Int = 1,
                            executedBy algorithm: ConvolutionAlgorithm = .im2col) -> Double {
        var macs = 0.0
        var (height, width) = (h, w)
        func conv(_ c: Conv2D, upsampled: Bool = false) -> Double {
            c.executedMultiplyAdds(height: height, width: width, upsampled: upsampled, algorithm: algorithm)
        }
        func resnet(_ r: ResnetBlock) -> Double {
            conv(r.conv1) + conv(r.conv2) + (r.shortcut.map { conv($0) } ?? 0)
        }
        if let postQuantConv { macs += conv(postQuantConv) }
        macs += conv(convIn)
        for r in midResnets { macs += resnet(r) }
        if let midAttention { macs += midAttention.multiplyAdds(tokens: height * width) }
        for block in upBlocks {
            for r in block.resnets { macs += resnet(r) }
            if let upsample = block.upsample {
                (height, width) = (2 * height, 2 * width)
                macs += conv(upsample.conv, upsampled: true)
            }
        }
        macs += conv(convOut)
        return 2 * macs * Double(batch)
    }

    /// Peak bytes of activations while decoding one picture untiled from a latent of
    /// `latentHeight × latentWidth` (batch items run one after the other): the largest set of maps
    /// alive at once — a resnet holds its input, the normalised input and two output-width maps;
    /// an upsample its input and the 4× output; the attention q, k, v and its output — plus each
    /// thread's band (Winograd's V and M, 2·`Conv2D.bandBytes`; im2col's columns take half) and Winograd's
    /// transformed weights of the widest conv (16/9 of its weights, made at each call). SD3:
    /// ≈ 2.7 GB at 128×128 (1024²), 0.67 GB at 64×64.
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
        let widest = config.blockOutChannels.max() ?? top
        return 4 * peak + Parallel.threadCount * 2 * Conv2D.bandBytes + 4 * 16 * widest * widest
    }
}
