import Foundation
import FlowCore
@testable import Generation
import Testing
import TestSupport

/// SD3 MM-DiTs in GGUF files, end to end: `--model tiny.gguf` with the encoders and VAE given
/// apart, as ComfyUI-GGUF and stable-diffusion.cpp users run them.
@Suite struct SD3GGUFTests {
    static let folder = ReferenceFixtures.url("sd3-tiny")

    /// The single_file_slg case's paths with `model` as the MM-DiT.
    static func paths(_ model: URL) -> SD3ModelPaths {
        SD3ModelPaths(model: model, clipL: folder.appendingPathComponent("text_encoder/model.safetensors"),
                      clipG: folder.appendingPathComponent("text_encoder_2/model.safetensors"),
                      t5xxl: folder.appendingPathComponent("text_encoder_3/model.safetensors"),
                      vae: folder.appendingPathComponent("vae"), tokenizers: folder)
    }

    /// The final latents of `model` for the recorded case `name` (settings from `io`'s metadata).
    static func latents(_ model: URL, case name: String, io: SafeTensorsFile) throws -> Tensor {
        let loaded = try ModelLoader.load(paths(model), includeT5: true)
        let pipeline = try #require(loaded.generator as? SD3Pipeline)
        let settings = try SD3PipelineReferenceTests.settings(name, io: io, defaults: pipeline.defaultSettings)
        return try #require(try pipeline.sampleLatents(settings))
    }

    /// ComfyUI-GGUF's layout at Q4_0 (no prefix, arch "sd3", 29 Q4_0 and 60 F16 tensors): the final
    /// latents equal diffusers' run on the package's dequantization of the same weights.
    @Test func aComfyUIGGUFQ4_0MMDiTMatchesDiffusersOnItsDequantizedWeights() throws {
        let gguf = ReferenceFixtures.url("sd3-tiny.Q4_0.gguf")
        let located = try SD3ModelFiles.locate(Self.paths(gguf))
        guard case .sd3(let files) = located else { Issue.record("not located as SD3"); return }
        #expect(files.layout == .transformerOnly && files.transformer.source == gguf.path)

        let io = try ReferenceFixtures.open("sd3-tiny.gguf.io.safetensors")
        let ours = try Self.latents(gguf, case: "gguf_q4_0", io: io)
        let reference = try io.tensor("gguf_q4_0/final_latents")
        let closeness = compare(ours, reference, relative: 1e-4)
        #expect(closeness.ok, "Q4_0 final latents: \(closeness)")
        // What Q4_0 costs against the F16 model (diffusers' F16 latents): the script's number.
        let f16 = try ReferenceFixtures.open("sd3-tiny.io.safetensors").tensor("single_file_slg/final_latents")
        let quantization = compare(ours, f16, relative: 1e-4)
        print("SD3 GGUF Q4_0 vs diffusers on its dequantized weights: \(closeness); vs the F16 model: max |diff| \(quantization.maxAbsDiff) on max \(quantization.maxAbsRef)")
        #expect(abs(quantization.maxAbsDiff - (try io.tensor("gguf_q4_0/quantization_error")).scalars[0]) < 1e-3)
    }

    /// stable-diffusion.cpp's layout (the whole single file, F16, under its prefixes, no
    /// architecture, `pos_embed` stored with 2 dimensions): the same latents as the safetensors
    /// single file, bit for bit, and diffusers' within 1e-4.
    @Test func aStableDiffusionCppF16FileRunsExactlyAsTheSafetensorsFile() throws {
        let dir = try SD3TestFolder()
        let single = try SafeTensorsFile(contentsOf: ReferenceFixtures.url("sd3-tiny.safetensors"))
        let writer = try GGUFTestWriter.float16(single, prefix: "")
        let gguf = dir.path("sd3-tiny-f16.bin")  // no .gguf suffix: found by its magic
        try writer.write(to: gguf)
        #expect(writer.tensors.first { $0.name == "model.diffusion_model.pos_embed" }?.dimensions.count == 2)

        let io = try ReferenceFixtures.open("sd3-tiny.io.safetensors")
        let ours = try Self.latents(gguf, case: "single_file_slg", io: io)
        let safetensors = try Self.latents(ReferenceFixtures.url("sd3-tiny.safetensors"), case: "single_file_slg", io: io)
        #expect(ours == safetensors)
        let closeness = compare(ours, try io.tensor("single_file_slg/final_latents"), relative: 1e-4)
        #expect(closeness.ok, "F16 GGUF final latents: \(closeness)")
    }

    /// An MM-DiT-only GGUF without encoders says what is missing, as a safetensors one does.
    @Test func aGGUFWithoutEncodersSaysWhatIsMissing() throws {
        let gguf = ReferenceFixtures.url("sd3-tiny.Q4_0.gguf")
        do {
            _ = try SD3ModelFiles.locate(SD3ModelPaths(model: gguf))
            Issue.record("located without encoders")
        } catch let error as SD3ModelFilesError {
            #expect(error == .missingComponent(.clipL, looked: [gguf.path, "--clip-l"]), "\(error)")
        }
    }

    /// A GGUF of an unsupported block type fails at locate time with the type named.
    @Test func anUnsupportedBlockTypeIsNamedWhenTheModelIsOpened() throws {
        let dir = try SD3TestFolder()
        var writer = GGUFTestWriter()
        writer.tensors = [.init(name: "joint_blocks.0.x_block.attn.qkv.weight", dimensions: [256, 2], type: 11,
                                data: [UInt8](repeating: 0, count: 220))]
        let url = dir.path("sd3.5_large-Q3_K_M.gguf")
        try writer.write(to: url)
        do {
            _ = try SD3ModelFiles.locate(Self.paths(url))
            Issue.record("opened")
        } catch {
            #expect("\(error)".contains("Q3_K (1 tensor, e.g. \"joint_blocks.0.x_block.attn.qkv.weight\") is not supported; re-quantize to Q8_0 or Q4_0"), "\(error)")
        }
    }
}
