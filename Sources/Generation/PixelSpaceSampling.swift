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
    /// `conditioning` encodes one part's prompts (a branch has several parts); `resume` is the
    /// parent's state to continue a branch from (see `BranchedSampling`).
    static func generate(model: VelocityModel, settings: GenerationSettings, resume: Tensor? = nil,
                         conditioning: (GenerationSettings) throws -> (positive: TextConditioning, negative: TextConditioning),
                         onStep: (GenerationProgress) -> Bool) throws -> GenerationResult? {
        let start = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        let noise = settings.noise.gaussian(shape: [1, 3, settings.height, settings.width], seed: settings.seed)  // [1, 3, H, W]
        let imageShape = [3, settings.height, settings.width]
        let outcome: SamplingOutcome
        do {
            outcome = try BranchedSampling.sample(settings, model: model, noise: noise, resume: resume,
                                                  conditioning: conditioning) { step in
                onStep(GenerationProgress(step: step.index, stepCount: step.count, sigma: step.sigma, elapsed: elapsed(),
                                          predicted: LatentPreview.pixelSpace(step.predictedClean.reshaped(imageShape)),
                                          noisy: LatentPreview.pixelSpace(step.latents.reshaped(imageShape)),
                                          latents: step.latents))  // [1, 3, H, W]
            }
        } catch is ForwardInterrupted {
            return nil
        }
        guard let final = outcome.latents else { return nil }
        return GenerationResult(image: LatentPreview.pixelSpace(final.reshaped(imageShape)), settings: settings, seconds: elapsed())
    }
}
