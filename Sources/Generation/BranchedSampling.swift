import FlowCore
import RectifiedFlow

/// The sampling loop of a run that may be a branch (`GenerationSettings.branch`): each part of
/// the steps with its own prompt, CFG and sampler, one after the other on the same noise and
/// schedule. A run that is not a branch is one part, sampled as before.
enum BranchedSampling {
    /// Samples `settings` from `noise` [1, C, H, W] (x at σ = 1). `resume`, when given, is x after
    /// `settings.branchStep` steps (the parent's stored state, which the studio keeps): the parts
    /// before it are then not run again, and the result is bit for bit the same. `conditioning`
    /// encodes one part's prompts as (positive, negative). A stop asked for after the last step
    /// of an earlier part is a stop (the sampler reports it as cancelled).
    static func sample(_ settings: GenerationSettings, model: VelocityModel, noise: Tensor, resume: Tensor?,
                       conditioning: (GenerationSettings) throws -> (positive: TextConditioning, negative: TextConditioning),
                       onStep: (SamplingStep) -> Bool) throws -> SamplingOutcome {
        if let problem = settings.branchProblem { throw SamplingError.shapeMismatch(problem) }
        let parts = partsToRun(settings, resuming: resume != nil)
        var x = noise  // [1, C, H, W]
        if let resume {
            guard resume.shape == noise.shape else {
                throw SamplingError.shapeMismatch("the state to continue from is \(resume.shape) but this run's is \(noise.shape)")
            }
            x = resume
        }
        for (steps, part) in parts {
            let sampler = try FlowSampler(schedule: SigmaSchedule(steps: settings.steps, shift: settings.shift),
                                          guidanceScale: part.cfgScale, kind: part.sampler,
                                          skipLayerGuidance: settings.skipLayerGuidance)
            let (positive, negative) = try conditioning(part)
            let outcome = try sampler.sample(model: model, noise: x, positive: positive, negative: negative, steps: steps,
                                             onStep: onStep)
            guard let latents = outcome.latents else { return outcome }
            x = latents
        }
        return .completed(x)
    }

    /// The parts to run: all of them, or only the last when resuming from the branch point.
    static func partsToRun(_ settings: GenerationSettings, resuming: Bool) -> [(steps: Range<Int>, settings: GenerationSettings)] {
        let parts = settings.segments
        return resuming ? [parts[parts.count - 1]] : parts
    }
}
