import Foundation
import FlowCore
import TestSupport
import Testing
@testable import VAE

/// The decoder against diffusers 0.42.1's AutoencoderKL.decode on the tiny fixtures of
/// `Tests/Reference/make_vae_fixtures.py` (tolerance 1e-4 · max(1, max|ref|)).
@Suite struct VAEDecoderTests {
    static let tolerance: Float = 1e-4

    func tinyConfig() throws -> VAEDecoderConfig {
        let data = try Data(contentsOf: ReferenceFixtures.url("vae_tiny.config.json"))
        return try VAEDecoderConfig.fromDiffusersJSON(data)
    }

    func tinyDecoder(_ file: String) throws -> VAEDecoder {
        let decoder = try VAEDecoder(config: try tinyConfig())
        try decoder.load(from: try ReferenceFixtures.open(file))
        return decoder
    }

    @Test func configJSONIsRead() throws {
        let config = try tinyConfig()
        #expect(config == VAEDecoderConfig(latentChannels: 16, outChannels: 3, blockOutChannels: [8, 8, 16, 16],
                                           layersPerBlock: 1, normNumGroups: 4, sampleSize: 32, scalingFactor: 0.8,
                                           shiftFactor: 0.1, usePostQuantConv: false, midBlockAddAttention: true))
        #expect(config.upBlockChannels.map { [$0.input, $0.output] } == [[16, 16], [16, 16], [16, 8], [8, 8]])
        #expect(VAEDecoderConfig.sd3.upBlockChannels.map { [$0.input, $0.output] } == [[512, 512], [512, 512], [512, 256], [256, 128]])
    }

    @Test(arguments: ["vae_tiny.diffusers.safetensors", "vae_tiny.ldm.safetensors"])
    func configIsDetectedFromTheWeights(file: String) throws {
        let detected = try VAEDecoderConfig.detect(from: try ReferenceFixtures.open(file), normNumGroups: 4, sampleSize: 32,
                                                   scalingFactor: 0.8, shiftFactor: 0.1)
        #expect(detected == (try tinyConfig()))
    }

    @Test(arguments: ["vae_tiny.diffusers.safetensors", "vae_tiny.ldm.safetensors"])
    func untiledDecodeMatchesDiffusers(file: String) throws {
        let io = try ReferenceFixtures.open("vae_tiny.io.safetensors")
        let decoder = try tinyDecoder(file)
        let result = try decoder.decode(try io.tensor("latents"), tiling: .untiled)
        let closeness = compare(result, try io.tensor("sample"), relative: Self.tolerance)
        print("VAE untiled (\(file)): \(closeness)")
        #expect(closeness.ok, "\(closeness)")
    }

    @Test func tiledDecodeMatchesDiffusers() throws {
        let tiling = VAETiling.tiled
        let io = try ReferenceFixtures.open("vae_tiny.io.safetensors")
        let decoder = try tinyDecoder("vae_tiny.diffusers.safetensors")
        #expect(decoder.tileLatentSize == 4 && decoder.tileSampleSize == 32)
        #expect(decoder.shouldTile(latentHeight: 6, latentWidth: 10, tiling: tiling))
        #expect(!decoder.shouldTile(latentHeight: 4, latentWidth: 4, tiling: tiling))
        // Automatic tiling leaves small pictures whole (as diffusers without enable_tiling) and
        // tiles only when one picture's activations would pass the budget.
        #expect(!decoder.shouldTile(latentHeight: 6, latentWidth: 10, tiling: .automatic))
        let huge = 4096
        #expect(decoder.activationBytes(latentHeight: huge, latentWidth: huge) > VAEDecoder.untiledMemoryBudget)
        #expect(decoder.shouldTile(latentHeight: huge, latentWidth: huge, tiling: .automatic))
        let result = try decoder.decode(try io.tensor("latents"), tiling: tiling)
        let closeness = compare(result, try io.tensor("tiled"), relative: Self.tolerance)
        print("VAE tiled: \(closeness)")
        #expect(closeness.ok, "\(closeness)")
    }

    @Test func postQuantConvWithoutAttentionMatchesDiffusers() throws {
        let file = try ReferenceFixtures.open("vae_pq.safetensors")
        let config = try VAEDecoderConfig.fromDiffusersJSON(Data(file.metadata["config"]!.utf8))
        #expect(config.usePostQuantConv && !config.midBlockAddAttention && config.levels == 2)
        let decoder = try VAEDecoder(config: config)
        // The file also holds the io tensors: hand the loader only the weights.
        let weights = TensorDictionary(Dictionary(uniqueKeysWithValues: try file.names
            .filter { $0 != "latents" && $0 != "sample" }.map { ($0, try file.tensor($0)) }))
        try decoder.load(from: weights)
        let detected = try VAEDecoderConfig.detect(from: weights, normNumGroups: 4, sampleSize: 32)
        #expect(detected.usePostQuantConv && !detected.midBlockAddAttention && detected.blockOutChannels == [8, 16])
        let closeness = compare(try decoder.decode(try file.tensor("latents")), try file.tensor("sample"), relative: Self.tolerance)
        print("VAE post_quant_conv: \(closeness)")
        #expect(closeness.ok, "\(closeness)")
    }

    @Test func imagesRoundAsDiffusers() throws {
        let io = try ReferenceFixtures.open("vae_tiny.io.safetensors")
        let decoder = try tinyDecoder("vae_tiny.diffusers.safetensors")
        let images = try decoder.decodeImages(try io.tensor("latents"), tiling: .untiled)
        #expect(images.count == 2 && images[0].width == 80 && images[0].height == 48)
        let reference = try io.tensor("image0")  // [H, W, 3] byte values
        var worst = 0, differing = 0
        for (i, byte) in images[0].pixels.enumerated() {
            let d = abs(Int(byte) - Int(reference.scalars[i]))
            worst = max(worst, d)
            if d != 0 { differing += 1 }
        }
        // Our float32 output differs from diffusers' by ~1e-6: a value within that of a rounding
        // boundary may land one level apart.
        #expect(worst <= 1 && differing <= 3, "max byte difference \(worst), \(differing) bytes differ")
        #expect(VAEDecoder.byte(-1.5) == 0 && VAEDecoder.byte(3) == 255 && VAEDecoder.byte(.nan) == 0)
        // 0.5·255 = 127.5 rounds to even (128), 1.5/255 … : NumPy's round, half to even.
        #expect(VAEDecoder.byte(2 * (0.5 / 255) - 1) == 0)
    }

    @Test func ldmKeysMapAsDiffusersConverts() {
        func key(_ k: String) -> String { LDMVAECheckpoint.diffusersKey(for: k, levels: 4).0 }
        #expect(key("decoder.mid.block_2.nin_shortcut.weight") == "decoder.mid_block.resnets.1.conv_shortcut.weight")
        #expect(key("decoder.mid.attn_1.proj_out.weight") == "decoder.mid_block.attentions.0.to_out.0.weight")
        #expect(key("decoder.mid.attn_1.norm.bias") == "decoder.mid_block.attentions.0.group_norm.bias")
        #expect(key("decoder.up.3.block.2.conv1.weight") == "decoder.up_blocks.0.resnets.2.conv1.weight")
        #expect(key("decoder.up.1.block.0.nin_shortcut.bias") == "decoder.up_blocks.2.resnets.0.conv_shortcut.bias")
        #expect(key("decoder.up.2.upsample.conv.weight") == "decoder.up_blocks.1.upsamplers.0.conv.weight")
        #expect(key("decoder.norm_out.weight") == "decoder.conv_norm_out.weight")
        #expect(key("encoder.down.0.block.0.conv1.weight") == "encoder.down.0.block.0.conv1.weight")
        #expect(LDMVAECheckpoint.diffusersKey(for: "decoder.mid.attn_1.q.weight", levels: 4).1)
        #expect(!LDMVAECheckpoint.diffusersKey(for: "decoder.mid.attn_1.norm.weight", levels: 4).1)
    }

    func tensors(_ file: String) throws -> [String: Tensor] {
        let f = try ReferenceFixtures.open(file)
        return Dictionary(uniqueKeysWithValues: try f.names.map { ($0, try f.tensor($0)) })
    }

    @Test func missingAndUnusedKeysAreOneError() throws {
        var weights = try tensors("vae_tiny.diffusers.safetensors")
        weights["decoder.conv_out.bias"] = nil
        weights["decoder.mid_block.extra.weight"] = Tensor(zeros: [2])
        weights["encoder.down_blocks.0.resnets.0.conv1.weight"] = Tensor(zeros: [1])  // ignored
        weights["quant_conv.weight"] = Tensor(zeros: [1])  // ignored
        let decoder = try VAEDecoder(config: try tinyConfig())
        do {
            try decoder.load(from: TensorDictionary(weights, sourceDescription: "vae.safetensors"))
            Issue.record("loading should fail")
        } catch let error as ParameterStoreError {
            #expect(error.problems == [
                "missing key 'decoder.conv_out.bias' (expected shape [3])",
                "unused key 'decoder.mid_block.extra.weight' with shape [2]",
            ])
        }
    }

    @Test func ldmLayoutErrorsNameDiffusersKeysAndStrayTensors() throws {
        var weights = try tensors("vae_tiny.ldm.safetensors")
        weights["first_stage_model.decoder.up.0.block.1.conv1.weight"] = nil
        weights["first_stage_model.decoder.mid.attn_1.q.weight"] = Tensor(zeros: [16, 8, 1, 1])
        weights["first_stage_model.post_quant_conv.bias"] = Tensor(zeros: [16])
        weights["model.diffusion_model.x_embedder.proj.bias"] = Tensor(zeros: [4])  // another loader's
        let decoder = try VAEDecoder(config: try tinyConfig())
        do {
            try decoder.load(from: TensorDictionary(weights, sourceDescription: "sd3.safetensors"))
            Issue.record("loading should fail")
        } catch let error as ParameterStoreError {
            #expect(error.problems == [
                "shape mismatch for 'decoder.mid_block.attentions.0.to_q.weight': the file has [16, 8], the model expects [16, 16]",
                "missing key 'decoder.up_blocks.3.resnets.1.conv1.weight' (expected shape [8, 8, 3, 3])",
                "unused key 'post_quant_conv.bias' with shape [16]",
            ])
            #expect(error.source.contains("LDM VAE layout, first_stage_model.*"))
        }
    }

    @Test func wrongLatentShapeIsAnError() throws {
        let decoder = try VAEDecoder(config: try tinyConfig())
        #expect(throws: VAEError.self) { try decoder.decode(Tensor(zeros: [1, 4, 6, 10])) }
        #expect(throws: VAEError.self) { try decoder.decode(Tensor(zeros: [16, 6, 10])) }
    }

    @Test func invalidConfigsAreErrors() {
        #expect(throws: VAEError.self) { try VAEDecoderConfig.fromDiffusersJSON(Data(#"{"block_out_channels": [30], "norm_num_groups": 32}"#.utf8)) }
        #expect(throws: VAEError.self) { try VAEDecoderConfig.fromDiffusersJSON(Data(#"{"up_block_types": ["AttnUpDecoderBlock2D"]}"#.utf8)) }
        #expect(throws: VAEError.self) { try VAEDecoderConfig.fromDiffusersJSON(Data("not json".utf8)) }
    }

    @Test func sd3CostAndMemory() throws {
        let decoder = try VAEDecoder(config: .sd3)
        let flops = decoder.decodeFLOPs(latentHeight: 64, latentWidth: 64)
        #expect(abs(flops / 1e12 - 2.52) < 0.01, "\(flops / 1e12) TFLOP")
        // Winograd F(2×2, 3×3): 16/36 of the 3×3 convs' products, 9/36 for the fused upsamples.
        let winograd = decoder.decodeFLOPs(latentHeight: 64, latentWidth: 64, executedBy: .winograd)
        #expect(abs(winograd / 1e12 - 1.025) < 0.005, "\(winograd / 1e12) TFLOP")
        let bytes = Double(decoder.activationBytes(latentHeight: 128, latentWidth: 128))
        #expect(bytes > 2.5e9 && bytes < 3e9, "\(bytes / 1e9) GB")
    }
}
