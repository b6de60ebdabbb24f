import FlowCore
import DemoModelFormat
import ArgumentParser
import Foundation
import Generation

/// `flowstudio defaults`: shows, or changes, the sampling settings a demo-model file carries.
struct Defaults: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show or change a demo model's default sampling settings (steps, CFG scale, shift); show how it was trained.",
        discussion: """
        The defaults are what `generate`, `eval` and the studio use when no option says otherwise. \
        Without --steps, --cfg or --shift it prints them and the model's training recipe: every \
        phase of its training run, with the steps it covered and every option in force. \
        With --steps, --cfg or --shift the model file given by --model is rewritten (atomically; the \
        weights are copied unchanged), e.g. after `flowstudio eval --cfg 2` scored better than the default.
        """)

    @OptionGroup var modelOptions: ModelOptions
    @Option(parsing: .unconditional, help: "New default denoising steps, \(SamplingLimits.stepsRule.describedRange).")
    var steps: Int?
    @Option(parsing: .unconditional, help: "New default CFG scale, \(SamplingLimits.cfgRule.describedRange); 1 means no guidance.")
    var cfg: Float?
    @Option(parsing: .unconditional, help: "New default schedule shift, \(SamplingLimits.shiftRule.describedRange).")
    var shift: Double?

    func validate() throws { try validateSampling(steps: steps, cfg: cfg, shift: shift) }

    func run() throws {
        guard steps != nil || cfg != nil || shift != nil else {
            let description = try modelOptions.loadDemoModel().description
            print(Self.summary(description))
            for line in description.trainingLines() { print(line) }
            return
        }
        guard let path = modelOptions.model else {
            throw CLIError("name the file to change with --model FILE (the bundled model is changed by replacing Sources/Generation/Resources/shapes-demo.safetensors)")
        }
        // The whole model must load (one clear error for a missing, foreign or broken file)
        // before the file is rewritten.
        _ = try modelOptions.loadDemoModel()
        let updated = try DemoModelDefaults.update(in: fileURL(path, option: "--model"), steps: steps, guidance: cfg, shift: shift)
        print("\(path): " + Self.summary(updated))
    }

    static func summary(_ d: DemoModelDescription) -> String {
        "\(d.name): steps \(d.defaultSteps), CFG \(SettingText.format(Double(d.defaultGuidance))), shift \(SettingText.format(d.defaultShift))"
    }
}
