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
    @Option(help: "Image size WIDTHxHEIGHT in pixels, e.g. 768x512 (default: the model's).") var size: ImageSize?
    @Option(help: "Skip-layer guidance: the joint blocks to bypass, e.g. 7,8,9 (SD3.5-medium's in diffusers), or 'off'. Off by default.")
    var slg: SkipLayerList?
    @Option(parsing: .unconditional, help: "Skip-layer guidance scale (default 2.8, as diffusers).") var slgScale: Float?
    @Option(parsing: .unconditional, help: "Skip-layer guidance runs on steps i with start·N < i < stop·N (default 0.01).") var slgStart: Float?
    @Option(parsing: .unconditional, help: "End of skip-layer guidance as a fraction of the steps (default 0.2).") var slgStop: Float?

    func validate() throws {
        try validateSampling(steps: steps, cfg: cfg, shift: shift)
        if let slgScale, !(slgScale.isFinite && slgScale >= 0 && slgScale <= 50) {
            throw ValidationError("--slg-scale must be in 0…50 (got \(slgScale))")
        }
        for (value, name) in [(slgStart, "--slg-start"), (slgStop, "--slg-stop")] {
            if let value, !(value >= 0 && value <= 1) { throw ValidationError("\(name) must be a fraction in 0…1 (got \(value))") }
        }
        if slg == nil, slgScale != nil || slgStart != nil || slgStop != nil {
            throw ValidationError("--slg-scale, --slg-start and --slg-stop need --slg LAYERS (e.g. --slg 7,8,9)")
        }
    }

    /// `defaults` with every given option applied.
    func applied(to defaults: GenerationSettings) -> GenerationSettings {
        var settings = defaults
        settings.steps = steps ?? settings.steps
        settings.cfgScale = cfg ?? settings.cfgScale
        settings.shift = shift ?? settings.shift
        settings.sampler = sampler ?? settings.sampler
        settings.noise = noise ?? settings.noise
        if let size { (settings.width, settings.height) = (size.width, size.height) }
        if let slg {
            settings.skipLayerGuidance = slg.layers.isEmpty ? nil : SkipLayerGuidance(
                layers: slg.layers, scale: slgScale ?? 2.8, start: slgStart ?? 0.01, stop: slgStop ?? 0.2)
        }
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

/// `--size WIDTHxHEIGHT`.
struct ImageSize: ExpressibleByArgument {
    let width: Int
    let height: Int

    init?(argument: String) {
        let parts = argument.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), w > 0, h > 0, w <= 1 << 16, h <= 1 << 16 else {
            return nil
        }
        (width, height) = (w, h)
    }
}

/// `--slg 7,8,9` (or `off`).
struct SkipLayerList: ExpressibleByArgument {
    let layers: [Int]

    init?(argument: String) {
        if argument.lowercased() == "off" { layers = []; return }
        let parsed = argument.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parsed.isEmpty, parsed.allSatisfy({ ($0 ?? -1) >= 0 && ($0 ?? 0) < 1000 }) else { return nil }
        layers = parsed.compactMap { $0 }
    }
}
