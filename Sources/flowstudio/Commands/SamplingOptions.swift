import ArgumentParser
import FlowCore
import Generation
import RectifiedFlow

/// `--steps`, `--cfg`, `--shift`, `--sampler`, `--noise`: overrides of the model's default sampling settings,
/// shared by `generate` and `eval` (`sample` has SD3's fixed defaults instead, `SD3SamplingOptions`).
struct SamplingOptions: ParsableArguments {
    // `.unconditional` so that `--steps -1` reaches the range check instead of being read as a flag.
    @Option(parsing: .unconditional, help: "Denoising steps, \(SamplingLimits.stepsRule.describedRange) (default: the model's).")
    var steps: Int?
    @Option(parsing: .unconditional, help: "CFG scale, \(SamplingLimits.cfgRule.describedRange); guidance runs when > 1 (default: the model's).")
    var cfg: Float?
    @Option(parsing: .unconditional, help: "Schedule shift, \(SamplingLimits.shiftRule.describedRange) (default: the model's).")
    var shift: Double?
    @Option(help: "ODE solver: euler or heun (default: the model's).") var sampler: SamplerKind?
    @Option(help: NoiseSource.help) var noise: NoiseSource?

    func validate() throws { try validateSampling(steps: steps, cfg: cfg, shift: shift) }

    /// `defaults` with every given option applied.
    func applied(to defaults: GenerationSettings) -> GenerationSettings {
        var settings = defaults
        settings.steps = steps ?? settings.steps
        settings.cfgScale = cfg ?? settings.cfgScale
        settings.shift = shift ?? settings.shift
        settings.sampler = sampler ?? settings.sampler
        settings.noise = noise ?? settings.noise
        return settings
    }
}

/// The ranges `sample`, `generate`, `eval` and `defaults` accept: `SamplingLimits`' rules, as
/// the studio's fields use them, each refusal naming the flag.
func validateSampling(steps: Int?, cfg: Float?, shift: Double?) throws {
    let problems = [
        steps.flatMap { SamplingLimits.stepsRule.problem(with: $0, named: "--steps") },
        cfg.flatMap { SamplingLimits.cfgRule.problem(with: $0, named: "--cfg") },
        shift.flatMap { SamplingLimits.shiftRule.problem(with: $0, named: "--shift") },
    ]
    if let first = problems.compactMap({ $0 }).first { throw ValidationError(first) }
}

extension NoiseSource: ExpressibleByArgument {
    static let help = ArgumentHelp(
        "Initial noise: philox (FlowStudio's, the default) or torch (torch.manual_seed(seed); torch.randn on the CPU, as diffusers and ComfyUI draw it).")
}
