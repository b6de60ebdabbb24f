import Dispatch
import FlowCore
import MMDiT
import RectifiedFlow
import VAE

/// The generate loop of a pixel-space model (the demo model and its untrained stand-in): noise
/// from the seed, the rectified-flow sampler with CFG, and every step reported as pictures of
/// the predicted clean image and the noisy state.
enum PixelSpaceSampling {
    /// Samples a `settings.width × settings.height` RGB image; nil when `onStep` stopped the run.
    static func generate(model: VelocityModel, settings: GenerationSettings, positive: TextConditioning,
                         negative: TextConditioning, onStep: (GenerationProgress) -> Bool) throws -> GenerationResult? {
        let start = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        let sampler = try FlowSampler(schedule: SigmaSchedule(steps: settings.steps, shift: settings.shift),
                                      guidanceScale: settings.cfgScale, kind: settings.sampler,
                                      skipLayerGuidance: settings.skipLayerGuidance)
        let noise = settings.noise.gaussian(shape: [1, 3, settings.height, settings.width], seed: settings.seed)  // [1, 3, H, W]
        let imageShape = [3, settings.height, settings.width]
        let outcome: SamplingOutcome
        do {
            outcome = try sampler.sample(model: model, noise: noise, positive: positive, negative: negative) { step in
                onStep(GenerationProgress(step: step.index, stepCount: step.count, sigma: step.sigma, elapsed: elapsed(),
                                          predicted: LatentPreview.pixelSpace(step.predictedClean.reshaped(imageShape)),
                                          noisy: LatentPreview.pixelSpace(step.latents.reshaped(imageShape))))
            }
        } catch is ForwardInterrupted {
            return nil
        }
        guard let final = outcome.latents else { return nil }
        return GenerationResult(image: LatentPreview.pixelSpace(final.reshaped(imageShape)), settings: settings, seconds: elapsed())
    }
}
