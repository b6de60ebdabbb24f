import ArgumentParser
import Foundation
import FlowCore
import Generation
import Imaging
import RectifiedFlow
import Studio

/// `flowstudio generate PROMPT`: one image to a PNG carrying its generation parameters.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate one image from a prompt and write it as PNG (with A1111-style parameters).")

    @Argument(help: "The prompt, e.g. \"a red circle at the top left\".")
    var prompt: String
    @Option(help: "Negative prompt (the unconditional branch of CFG).")
    var negative = ""
    @OptionGroup var sampling: SamplingOptions
    @Option(parsing: .unconditional, help: SeedArgument.help) var seed = SeedArgument(1)
    @Option(help: "Output PNG path.") var out = "flowstudio.png"
    @Flag(help: "Also draw the image in this terminal.") var show = false
    @Option(help: "Picture protocol for --show: kitty, iterm2, sixel, truecolor, 256 or ascii (default: detected).")
    var preview: String?
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var held: HeldWeightsOption
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        if let preview, PreviewProtocol(parsing: preview) == nil {
            throw ValidationError("--preview must be \(PreviewProtocol.names) (got \(preview))")
        }
    }

    func run() throws {
        compute.apply()
        let generator = try modelOptions.loadGenerator(precision: compute.precisionChoice, weights: held.weights)
        if let ignored = generator.ignoredWords(in: prompt).message { printError("warning: \(ignored)") }
        if let ignored = generator.ignoredWords(in: negative).message { printError("warning: negative prompt: \(ignored)") }
        if prompt.trimmingCharacters(in: .whitespaces).isEmpty { printError("empty prompt: generating unconditionally") }
        var settings = sampling.applied(to: generator.defaultSettings)
        settings.prompt = prompt
        settings.negativePrompt = negative
        settings.seed = seed.resolve()
        if seed.fixed == nil { printError("seed \(settings.seed) (random)") }
        let outURL = try fileURL(out, option: "--out")
        do {
            try PNG.checkDestination(outURL)
        } catch {
            throw CLIError("\(error); choose another --out")
        }
        let bar = ProgressLine()
        let result = try generator.generate(settings) { progress in
            bar.update(done: progress.step + 1, total: progress.stepCount, label: String(format: "σ %.3f", progress.sigma))
            return true
        }
        bar.finish()
        guard let result else { throw CLIError("generation was cancelled") }
        let parameters = A1111Parameters(settings: result.settings, modelName: generator.modelName, modelHash: generator.modelHash,
                                         precision: generator.precisionSummary)
        try PNG.write(result.image, to: outURL, text: [("parameters", parameters.encoded)])
        printError(String(format: "wrote %@ (%d×%d) in %.2fs", out, result.image.width, result.image.height, result.seconds))
        if show { showInTerminal([(nil, result.image)], preview: preview, maxColumns: 64, maxRows: 32) }
    }
}
