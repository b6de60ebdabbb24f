import Foundation
import FlowCore
@testable import Generation
import Testing
import TestSupport
import VAE

/// Each step of an SD3 run carries its predicted clean latents x̂₀ [1, 16, h, w], and
/// `decodeLatents` turns them into the picture the VAE makes of them (the studio decodes a chosen
/// step with it). With Euler, the last step's x̂₀ is the final latents, so its decode is the
/// finished image, which matches diffusers' (PSNR against the sd3-tiny reference).
@Suite struct SD3PipelineStepDecodeTests {
    @Test func progressCarriesPredictedLatentsThatTheVAEDecodes() throws {
        let folder = ReferenceFixtures.url("sd3-tiny")
        let io = try ReferenceFixtures.open("sd3-tiny.io.safetensors")
        let pipeline = try #require(try ModelLoader.load(SD3ModelPaths(model: folder)).generator as? SD3Pipeline)
        let settings = try SD3PipelineReferenceTests.settings("folder", io: io, defaults: pipeline.defaultSettings)  // 96×64
        let (h, w) = (settings.height / 8, settings.width / 8)

        var frames: [GenerationProgress] = []
        let result = try #require(try pipeline.generate(settings) { frames.append($0); return true })
        #expect(frames.count == settings.steps)
        for frame in frames {
            let latents = try #require(frame.predictedLatents)
            #expect(latents.shape == [1, 16, h, w])  // [1, C, h, w]
            // The cheap preview is the linear map of the same latents.
            #expect(LatentPreview.sd3(latents.reshaped([16, h, w])) == frame.predicted)
        }
        // Early x̂₀ differ from step to step; the last one is the run's final latents.
        #expect(frames[0].predictedLatents != frames[settings.steps - 1].predictedLatents)
        let last = try #require(frames.last?.predictedLatents)
        let final = try #require(try pipeline.sampleLatents(settings))
        let closeness = compare(last, final, relative: 1e-6)
        #expect(closeness.ok, "last x̂₀ vs final latents: \(closeness)")

        // decodeLatents is the folder's VAE, pixel for pixel, for an early step and the last.
        let config = try VAEDecoderConfig.fromDiffusersJSON(Data(contentsOf: folder.appendingPathComponent("vae/config.json")))
        let vae = try VAEDecoder.load(from: SafeTensorsFile(contentsOf: folder.appendingPathComponent("vae/diffusion_pytorch_model.safetensors")),
                                      config: config)
        let early = try #require(frames[0].predictedLatents)
        let decodedEarly = try #require(try pipeline.decodeLatents(early))
        #expect(decodedEarly == (try vae.decode(early) as RGBImage))
        #expect(decodedEarly.width == settings.width && decodedEarly.height == settings.height)
        let decodedLast = try #require(try pipeline.decodeLatents(last))
        let psnrToResult = SD3PipelineReferenceTests.psnr(decodedLast, Self.unit(result.image))
        #expect(psnrToResult >= 50, "last step's decode vs the result: PSNR \(psnrToResult) dB")
        let psnr = SD3PipelineReferenceTests.psnr(decodedLast, try io.tensor("folder/image"))
        #expect(psnr >= 40, "last step's decode vs diffusers: PSNR \(psnr) dB")
        print("SD3 step decode: last x̂₀ vs final latents \(closeness); decode vs diffusers' image PSNR \(String(format: "%.1f", psnr)) dB")
    }

    /// A model that samples pixels has no latents to decode.
    @Test func aPixelModelHasNoLatentsAndDecodesNothing() throws {
        let model = try RandomPixelGenerator()
        var settings = model.defaultSettings
        settings.steps = 2
        var frames: [GenerationProgress] = []
        _ = try model.generate(settings) { frames.append($0); return true }
        #expect(frames.count == 2 && frames.allSatisfy { $0.predictedLatents == nil })
        #expect(try model.decodeLatents(Tensor(shape: [1, 16, 2, 2], scalars: [Float](repeating: 0, count: 64))) == nil)
    }

    /// An image's bytes as [H, W, 3] in [0, 1] (the shape `psnr` compares with).
    static func unit(_ image: RGBImage) -> Tensor {
        Tensor(shape: [image.height, image.width, 3], scalars: image.pixels.map { Float($0) / 255 })
    }
}
