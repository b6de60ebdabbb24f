import Foundation
import FlowCore

/// The numbers of a diffusers `AutoencoderKL` that its decoder needs, as in its `config.json`
/// (snake_case keys; missing keys take diffusers 0.42.1's constructor defaults, as
/// `from_pretrained` does). Each field's comment gives SD3's value (`VAEDecoderConfig.sd3`).
public struct VAEDecoderConfig: Codable, Equatable, Sendable {
    /// Channels of a latent. SD3: 16.
    public var latentChannels: Int
    /// Channels of the picture. SD3: 3.
    public var outChannels: Int
    /// Channels per level, highest resolution first (the decoder runs them reversed).
    /// SD3: [128, 256, 512, 512].
    public var blockOutChannels: [Int]
    /// Resnets per encoder level; the decoder has one more per level. SD3: 2 (3 in the decoder).
    public var layersPerBlock: Int
    /// Groups of every GroupNorm (eps 1e-6). SD3: 32.
    public var normNumGroups: Int
    /// Image side the VAE was made for; sets the tile size of tiled decoding (diffusers'
    /// `tile_sample_min_size`). SD3: 1024.
    public var sampleSize: Int
    /// Latents of the MM-DiT are `z·scaling`; decoding divides. SD3: 1.5305.
    public var scalingFactor: Float
    /// … and then adds this (diffusers' `shift_factor`, None = 0). SD3: 0.0609.
    public var shiftFactor: Float
    /// A 1×1 conv on the latent before the decoder. SD3: false (SD 1.x/2.x/XL: true).
    public var usePostQuantConv: Bool
    /// Single-head self-attention between the mid block's two resnets. SD3: true.
    public var midBlockAddAttention: Bool

    /// SD3's / SD3.5's VAE (`stabilityai/stable-diffusion-3-medium-diffusers`, `vae/config.json`).
    public static let sd3 = VAEDecoderConfig(
        latentChannels: 16, outChannels: 3, blockOutChannels: [128, 256, 512, 512], layersPerBlock: 2,
        normNumGroups: 32, sampleSize: 1024, scalingFactor: 1.5305, shiftFactor: 0.0609,
        usePostQuantConv: false, midBlockAddAttention: true)

    public init(latentChannels: Int, outChannels: Int = 3, blockOutChannels: [Int], layersPerBlock: Int,
                normNumGroups: Int, sampleSize: Int, scalingFactor: Float, shiftFactor: Float,
                usePostQuantConv: Bool, midBlockAddAttention: Bool) {
        self.latentChannels = latentChannels
        self.outChannels = outChannels
        self.blockOutChannels = blockOutChannels
        self.layersPerBlock = layersPerBlock
        self.normNumGroups = normNumGroups
        self.sampleSize = sampleSize
        self.scalingFactor = scalingFactor
        self.shiftFactor = shiftFactor
        self.usePostQuantConv = usePostQuantConv
        self.midBlockAddAttention = midBlockAddAttention
    }

    /// Levels (up blocks); each but the last doubles the resolution. SD3: 4 (8× upsampling).
    public var levels: Int { blockOutChannels.count }
    /// Image pixels per latent pixel along a side: 2^(levels−1). SD3: 8.
    public var upscale: Int { 1 << max(0, levels - 1) }
    /// Resnets in each decoder up block: `layersPerBlock + 1`. SD3: 3.
    public var resnetsPerUpBlock: Int { layersPerBlock + 1 }
    /// The up blocks' (input, output) channels in the decoder's order. SD3:
    /// (512, 512), (512, 512), (512, 256), (256, 128).
    public var upBlockChannels: [(input: Int, output: Int)] {
        let reversed = Array(blockOutChannels.reversed())
        return reversed.indices.map { i in (reversed[max(0, i - 1)], reversed[i]) }
    }

    /// Checks the numbers describe a decoder FlowStudio can run.
    public func validate() throws(VAEError) {
        guard !blockOutChannels.isEmpty, blockOutChannels.allSatisfy({ $0 > 0 }) else {
            throw .invalidConfig("block_out_channels must be a non-empty list of positive widths, got \(blockOutChannels)")
        }
        guard latentChannels > 0, outChannels > 0, layersPerBlock >= 0, sampleSize > 0 else {
            throw .invalidConfig("latent_channels, out_channels and sample_size must be positive and layers_per_block ≥ 0")
        }
        guard normNumGroups > 0, blockOutChannels.allSatisfy({ $0 % normNumGroups == 0 }) else {
            throw .invalidConfig("every width in block_out_channels \(blockOutChannels) must be divisible by norm_num_groups \(normNumGroups)")
        }
        guard scalingFactor.isFinite, scalingFactor != 0, shiftFactor.isFinite else {
            throw .invalidConfig("scaling_factor must be finite and non-zero and shift_factor finite")
        }
    }

    enum CodingKeys: String, CodingKey {
        case latentChannels = "latent_channels", outChannels = "out_channels"
        case blockOutChannels = "block_out_channels", layersPerBlock = "layers_per_block"
        case normNumGroups = "norm_num_groups", sampleSize = "sample_size"
        case scalingFactor = "scaling_factor", shiftFactor = "shift_factor"
        case usePostQuantConv = "use_post_quant_conv", midBlockAddAttention = "mid_block_add_attention"
        case upBlockTypes = "up_block_types", actFn = "act_fn"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // Defaults: diffusers 0.42.1 AutoencoderKL.__init__.
        latentChannels = try c.decodeIfPresent(Int.self, forKey: .latentChannels) ?? 4
        outChannels = try c.decodeIfPresent(Int.self, forKey: .outChannels) ?? 3
        blockOutChannels = try c.decodeIfPresent([Int].self, forKey: .blockOutChannels) ?? [64]
        layersPerBlock = try c.decodeIfPresent(Int.self, forKey: .layersPerBlock) ?? 1
        normNumGroups = try c.decodeIfPresent(Int.self, forKey: .normNumGroups) ?? 32
        // sample_size may be a list [h, w]; diffusers' tiling takes its first entry.
        if let size = try? c.decodeIfPresent(Int.self, forKey: .sampleSize) {
            sampleSize = size
        } else if let sizes = try? c.decodeIfPresent([Int].self, forKey: .sampleSize), let first = sizes.first {
            sampleSize = first
        } else {
            sampleSize = 32
        }
        scalingFactor = try c.decodeIfPresent(Float.self, forKey: .scalingFactor) ?? 0.18215
        shiftFactor = try c.decodeIfPresent(Float.self, forKey: .shiftFactor) ?? 0
        usePostQuantConv = try c.decodeIfPresent(Bool.self, forKey: .usePostQuantConv) ?? true
        midBlockAddAttention = try c.decodeIfPresent(Bool.self, forKey: .midBlockAddAttention) ?? true
        let upTypes = try c.decodeIfPresent([String].self, forKey: .upBlockTypes) ?? ["UpDecoderBlock2D"]
        guard upTypes.count == blockOutChannels.count, upTypes.allSatisfy({ $0 == "UpDecoderBlock2D" }) else {
            throw DecodingError.dataCorruptedError(forKey: .upBlockTypes, in: c, debugDescription:
                "up_block_types must be one UpDecoderBlock2D per entry of block_out_channels, got \(upTypes)")
        }
        let act = try c.decodeIfPresent(String.self, forKey: .actFn) ?? "silu"
        guard act == "silu" else {
            throw DecodingError.dataCorruptedError(forKey: .actFn, in: c, debugDescription: "act_fn '\(act)' is not supported (only silu)")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(latentChannels, forKey: .latentChannels)
        try c.encode(outChannels, forKey: .outChannels)
        try c.encode(blockOutChannels, forKey: .blockOutChannels)
        try c.encode(layersPerBlock, forKey: .layersPerBlock)
        try c.encode(normNumGroups, forKey: .normNumGroups)
        try c.encode(sampleSize, forKey: .sampleSize)
        try c.encode(scalingFactor, forKey: .scalingFactor)
        try c.encode(shiftFactor, forKey: .shiftFactor)
        try c.encode(usePostQuantConv, forKey: .usePostQuantConv)
        try c.encode(midBlockAddAttention, forKey: .midBlockAddAttention)
        try c.encode([String](repeating: "UpDecoderBlock2D", count: blockOutChannels.count), forKey: .upBlockTypes)
        try c.encode("silu", forKey: .actFn)
    }

    /// Reads a diffusers `vae/config.json` (the JSON text).
    public static func fromDiffusersJSON(_ data: Data, source: String = "config.json") throws(VAEError) -> VAEDecoderConfig {
        let config: VAEDecoderConfig
        do {
            config = try JSONDecoder().decode(VAEDecoderConfig.self, from: data)
        } catch let error as DecodingError {
            throw .invalidConfig("\(source): \(error.phrase())")
        } catch {
            throw .invalidConfig("\(source): \(error)")
        }
        try config.validate()
        return config
    }
}
