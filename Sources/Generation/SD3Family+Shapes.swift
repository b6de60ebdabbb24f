import MMDiT
import TextEncoders
import VAE

extension SD3Family {
    /// The published model's MM-DiT (diffusers' `transformer/config.json`), for benchmarks with
    /// random weights at full size; nil for `.other`.
    public var transformerConfig: MMDiTConfig? {
        switch self {
        case .sd3Medium: MMDiTConfig(depth: 24, posEmbedMaxSize: 192)
        case .sd35Medium: MMDiTConfig(depth: 24, posEmbedMaxSize: 384, qkNorm: true, dualAttentionLayers: Array(0...12))
        case .sd35Large, .sd35LargeTurbo: MMDiTConfig(depth: 38, posEmbedMaxSize: 192, qkNorm: true)
        case .other: nil
        }
    }

    /// Every SD3-family model uses CLIP-L/14, OpenCLIP bigG/14, T5-v1.1-XXL and the 16-channel VAE.
    public static let clipLConfig = CLIPTextConfig.clipL
    public static let clipGConfig = CLIPTextConfig.clipG
    public static let t5Config = T5EncoderConfig.xxl
    public static let vaeConfig = VAEDecoderConfig.sd3
}
