import DemoModelFormat
import ArgumentParser
import Foundation
import FlowCore
import Generation
import Training

/// `flowstudio export --diffusers DIR`: the demo model's MM-DiT as a diffusers folder.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a demo model's MM-DiT as a diffusers SD3Transformer2DModel folder (for PyTorch).",
        discussion: """
        Writes config.json and diffusion_pytorch_model.safetensors (F32, diffusers keys), which \
        SD3Transformer2DModel.from_pretrained(DIR) loads, plus flowstudio_text_encoder.safetensors and \
        flowstudio_model.json (the text encoder, vocabulary and settings), which diffusers ignores and \
        `flowstudio train --init DIR` reads back. Each file is written atomically.
        """)

    @Option(help: "Destination folder (created; must be empty unless --force).")
    var diffusers: String
    @Option(help: "A demo-model file made by `flowstudio train`; default: the bundled model.")
    var model: String?
    @Flag(help: "Write into a non-empty folder, replacing the model files in it.")
    var force = false

    func run() throws {
        let source: URL
        if let model {
            source = try fileURL(model, option: "--model")
            guard FileManager.default.fileExists(atPath: source.path) else { throw CLIError("no model file at \(model)") }
        } else {
            guard let bundled = DemoPipeline.bundledModelURL else {
                throw CLIError("this build has no bundled model; pass --model FILE (a model made by `flowstudio train`)")
            }
            source = bundled
        }
        let summary = try DiffusersFolder.export(model: source, to: fileURL(diffusers, option: "--diffusers"), force: force)
        print("exported \(source.lastPathComponent) (\(summary.transformer)) to \(diffusers):")
        for file in summary.files {
            let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
            print(String(format: "  %@  %.1f MB", file.lastPathComponent, Double(size) / 1e6))
        }
        print("MM-DiT \(summary.transformerParameters) parameters, text encoder \(summary.textEncoderParameters); " +
              "load with SD3Transformer2DModel.from_pretrained(\"\(diffusers)\"), come back with `flowstudio train --init \(diffusers)`")
    }
}

extension Train {
    /// The `--init` half of the diffusers round trip: a new run that starts from the model at
    /// `path`, its shape options taken from the model unless given on the command line.
    func trainerFromInit(_ path: String, options: TrainingOptions) throws -> Trainer {
        guard !resume else { throw CLIError("--init starts a new run and --resume continues one; pass only one of them") }
        let initial = try InitialModel(contentsOf: fileURL(path, option: "--init"))
        for warning in initial.warnings { printError("warning: " + warning) }
        var given = Set<ModelShapeOption>()
        if depth != nil { given.insert(.depth) }
        if resolution != nil { given.insert(.resolution) }
        if patch != nil { given.insert(.patch) }
        if textLayers != nil { given.insert(.textLayers) }
        let derived = try initial.trainingOptions(from: options, given: given)
        let trainer = try Trainer(options: derived, directory: fileURL(out, option: "--out"), initialModel: initial)
        printError("initialised from \(path): MM-DiT" + (initial.hasTextEncoder ? " and text encoder" : " (text encoder fresh)"))
        return trainer
    }
}
