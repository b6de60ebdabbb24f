import ArgumentParser
import Generation
import RectifiedFlow

/// `--steps`, `--cfg`, `--shift`, `--sampler`: overrides of the model's default sampling settings,
/// shared by `generate` and `eval` (`sample` has SD3's fixed defaults instead, `SD3SamplingOptions`).
struct SamplingOptions: ParsableArguments {
    @Option(help: "Denoising steps (default: the model's).") var steps: Int?
    @Option(help: "CFG scale (default: the model's; guidance runs when > 1).") var cfg: Float?
    @Option(help: "Schedule shift (default: the model's).") var shift: Double?
    @Option(help: "ODE solver: euler or heun (default: the model's).") var sampler: SamplerKind?

    func validate() throws { try validateSampling(steps: steps, cfg: cfg, shift: shift) }

    /// `defaults` with every given option applied.
    func applied(to defaults: GenerationSettings) -> GenerationSettings {
        var settings = defaults
        settings.steps = steps ?? settings.steps
        settings.cfgScale = cfg ?? settings.cfgScale
        settings.shift = shift ?? settings.shift
        settings.sampler = sampler ?? settings.sampler
        return settings
    }
}

/// The ranges `sample`, `generate` and `eval` accept, each refusal naming the flag.
func validateSampling(steps: Int?, cfg: Float?, shift: Double?) throws {
    if let steps, !(1...SigmaSchedule.maxSteps).contains(steps) {
        throw ValidationError("--steps must be between 1 and \(SigmaSchedule.maxSteps) (got \(steps))")
    }
    if let cfg, !(cfg.isFinite && cfg >= 0) { throw ValidationError("--cfg must be a finite number ≥ 0 (got \(cfg))") }
    if let shift, !(shift.isFinite && shift > 0) { throw ValidationError("--shift must be a finite number > 0 (got \(shift))") }
}
