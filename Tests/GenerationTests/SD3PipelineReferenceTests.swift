import Foundation
import FlowCore
@testable import Generation
import RectifiedFlow
import Testing
import TestSupport
import VAE

/// The whole SD3 pipeline against diffusers' `StableDiffusion3Pipeline` on a tiny random-weight
/// model (Tests/Reference/make_sd3_pipeline_fixtures.py): prompt encodings, the seed's noise,
/// the final latents and the decoded image (PSNR), for the diffusers folder, a negative prompt,
/// the Stability single file with separate encoder files and skip-layer guidance, and no T5.
@Suite struct SD3PipelineReferenceTests {
    static let folder = ReferenceFixtures.url("sd3-tiny")
    static let singleFile = ReferenceFixtures.url("sd3-tiny.safetensors")

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let paths: SD3ModelPaths
        let includeT5: Bool
        var testDescription: String { name }
    }

    static let cases = [
        Case(name: "folder", paths: SD3ModelPaths(model: folder), includeT5: true),
        Case(name: "folder_negative", paths: SD3ModelPaths(model: folder), includeT5: true),
        Case(name: "single_file_slg", paths: SD3ModelPaths(
            model: singleFile, clipL: folder.appendingPathComponent("text_encoder/model.safetensors"),
            clipG: folder.appendingPathComponent("text_encoder_2/model.safetensors"),
            t5xxl: folder.appendingPathComponent("text_encoder_3/model.safetensors"),
            vae: folder.appendingPathComponent("vae"), tokenizers: folder), includeT5: true),
        Case(name: "no_t5", paths: SD3ModelPaths(model: folder), includeT5: false),
    ]

    /// The settings the script used for `name` (metadata `case/NAME`).
    static func settings(_ name: String, io: SafeTensorsFile, defaults: GenerationSettings) throws -> GenerationSettings {
        struct Recorded: Decodable {
            let prompt: String
            let negative_prompt: String?
            let seed: UInt64
            let steps: Int
            let cfg: Float
            let skip_layers: [Int]?
            let slg_scale: Float?
            let slg_start: Float?
            let slg_stop: Float?
        }
        let json = try #require(io.metadata["case/\(name)"])
        let r = try JSONDecoder().decode(Recorded.self, from: Data(json.utf8))
        var s = defaults
        s.prompt = r.prompt
        s.negativePrompt = r.negative_prompt ?? ""
        s.seed = r.seed
        s.steps = r.steps
        s.cfgScale = r.cfg
        s.noise = .torch
        (s.width, s.height) = (96, 64)
        if let layers = r.skip_layers {
            s.skipLayerGuidance = SkipLayerGuidance(layers: layers, scale: r.slg_scale ?? 2.8, start: r.slg_start ?? 0.01,
                                                    stop: r.slg_stop ?? 0.2)
        }
        return s
    }

    /// PSNR in dB of `image` (bytes) against `reference` [1, H, W, 3] in [0, 1].
    static func psnr(_ image: RGBImage, _ reference: Tensor) -> Double {
        precondition(reference.count == image.pixels.count)
        var sum = 0.0
        for (i, byte) in image.pixels.enumerated() {
            let d = Double(byte) / 255 - Double(reference.scalars[i])
            sum += d * d
        }
        let mse = sum / Double(image.pixels.count)
        return mse == 0 ? .infinity : 10 * log10(1 / mse)
    }

    @Test(arguments: cases)
    func matchesDiffusers(_ c: Case) throws {
        let io = try ReferenceFixtures.open("sd3-tiny.io.safetensors")
        let loaded = try ModelLoader.load(c.paths, includeT5: c.includeT5)
        let pipeline = try #require(loaded.generator as? SD3Pipeline)
        // The folder's config says sample_size 8 (64 px); the single file has none, so its default
        // is the largest side the positional table holds (8 patches of 16 px).
        #expect(pipeline.defaultSettings.shift == 3 && pipeline.defaultSettings.width == (c.name == "single_file_slg" ? 128 : 64))
        let settings = try Self.settings(c.name, io: io, defaults: pipeline.defaultSettings)

        // The seed's noise is torch.randn's, bit for bit.
        let noise = settings.noise.gaussian(shape: [1, 16, 8, 12], seed: settings.seed)
        #expect(noise == (try io.tensor("\(c.name)/initial_latents")))

        // Pooled text (and for one case the whole context) as diffusers' encode_prompt makes them.
        let pooled = try io.tensor("\(c.name)/pooled")  // [2, Dpool]: negative, positive
        let width = pooled.shape[1]
        let negative = try pipeline.text.encode(settings.negativePrompt), positive = try pipeline.text.encode(settings.prompt)
        let encodedPooled = Tensor(shape: [2, width], scalars: negative.pooled.scalars + positive.pooled.scalars)
        let pooledCloseness = compare(encodedPooled, pooled, relative: 1e-4)
        #expect(pooledCloseness.ok, "pooled: \(pooledCloseness)")
        if c.name == "folder" {
            let context = try io.tensor("folder/prompt_embeds")  // [2, 333, Dj]
            let ours = Tensor(shape: context.shape, scalars: negative.context.scalars + positive.context.scalars)
            let closeness = compare(ours, context, relative: 1e-4)
            #expect(closeness.ok, "prompt_embeds: \(closeness)")
        }

        // The final latents, then the image.
        var steps = 0
        let result = try #require(try pipeline.generate(settings) { _ in steps += 1; return true })
        #expect(steps == settings.steps)
        let latents = try #require(try pipeline.sampleLatents(settings))
        let reference = try io.tensor("\(c.name)/final_latents")
        let latentCloseness = compare(latents, reference, relative: 1e-4)
        #expect(latentCloseness.ok, "final latents: \(latentCloseness)")
        let psnr = Self.psnr(result.image, try io.tensor("\(c.name)/image"))
        #expect(psnr >= 40, "PSNR \(psnr) dB")
        print("SD3 pipeline vs diffusers, \(c.name): final latents \(latentCloseness); image PSNR \(String(format: "%.1f", psnr)) dB")
    }

    /// The single file's VAE in Stability's LDM layout (`first_stage_model.*`) decodes exactly as the
    /// folder's diffusers-layout VAE. (A single file has no VAE config and the tiny VAE's 4 norm
    /// groups cannot be read from weights, so the reference test above passes the folder's `vae/`;
    /// here the LDM weights get the folder's config.)
    @Test func theSingleFilesLDMVAEDecodesAsTheFoldersVAE() throws {
        let io = try ReferenceFixtures.open("sd3-tiny.io.safetensors")
        let config = try VAEDecoderConfig.fromDiffusersJSON(Data(contentsOf: Self.folder.appendingPathComponent("vae/config.json")))
        let folderVAE = try VAEDecoder.load(from: SafeTensorsFile(contentsOf: Self.folder.appendingPathComponent("vae/diffusion_pytorch_model.safetensors")),
                                            config: config)
        let single = try SafeTensorsFile(contentsOf: Self.singleFile)
        let ldmVAE = try VAEDecoder.load(from: PrefixedTensors(single, prefix: "first_stage_model."), config: config)
        let latents = try io.tensor("folder/final_latents")
        #expect(try ldmVAE.decode(latents) == (try folderVAE.decode(latents)))
        #expect(Self.psnr(try ldmVAE.decode(latents) as RGBImage, try io.tensor("folder/image")) >= 40)
    }

    /// Without T5 the settings, tokens and images still work; a VAE-less model says so.
    @Test func theSingleFileWithoutEncodersSaysWhatIsMissing() throws {
        #expect(throws: (any Error).self) { try ModelLoader.load(SD3ModelPaths(model: Self.singleFile)) }
        do {
            _ = try ModelLoader.load(SD3ModelPaths(model: Self.singleFile))
        } catch {
            #expect("\(error)".contains("CLIP"), "\(error)")
        }
    }
}

/// Settings an SD3 model cannot run are refused before anything runs, saying what fits.
@Suite struct SD3PipelineSettingsTests {
    @Test func sizesAndSkippedLayersAreChecked() throws {
        let loaded = try ModelLoader.load(SD3ModelPaths(model: SD3PipelineReferenceTests.folder))
        let pipeline = try #require(loaded.generator as? SD3Pipeline)
        #expect(pipeline.largestSide == 128)
        #expect(pipeline.sizeProblem(width: 96, height: 64) == nil)
        #expect(pipeline.sizeProblem(width: 100, height: 64) == "100×64 is not a multiple of 16 pixels on each side (the VAE's 8 × the patch of 2); e.g. 96×64")
        #expect(pipeline.sizeProblem(width: 256, height: 64) == "256×64 is larger than this model's positional table holds: at most 128 pixels a side")
        var settings = pipeline.defaultSettings
        settings.steps = 1
        settings.width = 256
        #expect(throws: SD3PipelineError.self) { try pipeline.generate(settings) { _ in true } }
        settings.width = 64
        settings.skipLayerGuidance = SkipLayerGuidance(layers: [1, 3])
        #expect(throws: SD3PipelineError.skipLayer(3, depth: 3)) { try pipeline.generate(settings) { _ in true } }
        #expect(pipeline.supportedSizes.allSatisfy { $0.width <= 128 && $0.height <= 128 })
    }

    @Test func aPromptIsEncodedOnceForManyRuns() throws {
        let loaded = try ModelLoader.load(SD3ModelPaths(model: SD3PipelineReferenceTests.folder))
        let pipeline = try #require(loaded.generator as? SD3Pipeline)
        var settings = pipeline.defaultSettings
        (settings.prompt, settings.steps) = ("a red cube", 1)
        _ = try pipeline.generate(settings) { _ in true }
        #expect(pipeline.cache.contains("a red cube") && pipeline.cache.contains(""))
        settings.seed = 7
        settings.cfgScale = 3
        let encoder = try #require(pipeline.text as? SD3TextStack)
        let loads = encoder.clipL.loads
        _ = try pipeline.generate(settings) { _ in true }
        #expect(encoder.clipL.loads == loads)  // kept in memory and not run again: the cache answered
    }
}
