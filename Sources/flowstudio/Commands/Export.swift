import DemoModelFormat
import ArgumentParser
import Foundation
import FlowCore
import Generation
import Training

/// `flowstudio export --diffusers DIR`: the demo model's MM-DiT as a diffusers folder;
/// `flowstudio export --dataset N --out FILE`: N items of the trainer's data stream as safetensors.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a demo model's MM-DiT as a diffusers SD3Transformer2DModel folder, or training data, for PyTorch.",
        discussion: """
        --diffusers DIR writes config.json and diffusion_pytorch_model.safetensors (F32, diffusers keys), which \
        SD3Transformer2DModel.from_pretrained(DIR) loads, plus flowstudio_text_encoder.safetensors and \
        flowstudio_model.json (the text encoder, vocabulary and settings), which diffusers ignores and \
        `flowstudio train --init DIR` reads back. Each file is written atomically.

        --dataset N --out FILE writes items FIRST ..< FIRST+N of the data stream `flowstudio train` \
        draws for the given --seed and --scene-mix (images in [-1, 1] and caption token ids after caption \
        dropout), plus the fixed validation set with its noise and t, as one F32 safetensors file \
        (about 49 kB per 64² item) for Tests/Reference/train_distributed.py. Noise and t of the training \
        items are not written: they follow the timestep density, which the PyTorch trainer samples.
        """)

    @Option(help: "Destination folder of the model (created; must be empty unless --force).")
    var diffusers: String?
    @Option(help: "A demo-model file made by `flowstudio train`; default: the bundled model.")
    var model: String?
    @Flag(help: "Write into a non-empty folder, replacing the model files in it.")
    var force = false
    @Option(help: "Write this many training items of the data stream to --out (with --dataset).")
    var dataset: Int?
    @Option(help: "The dataset file to write (with --dataset).")
    var out: String?
    @Option(help: "The first item of the stream to write (default 0: where a new run, or `train --init`, starts).")
    var first: Int = 0
    @Option(help: "The data seed, as `flowstudio train --seed` (default 0).")
    var seed: UInt64?
    @Option(help: "Scene weights ONE,TWO,COUNT, as `flowstudio train --scene-mix` (default 0.5,0.25,0.25).")
    var sceneMix: String?
    @Option(help: "Image side in pixels, as `flowstudio train --resolution` (default 64).")
    var resolution: Int?

    func validate() throws {
        guard (diffusers == nil) != (dataset == nil) else {
            throw ValidationError("give either --diffusers DIR (the model) or --dataset N --out FILE (training data)")
        }
        if dataset != nil && out == nil { throw ValidationError("--dataset N needs --out FILE, the safetensors file to write") }
        if dataset == nil, out != nil || seed != nil || sceneMix != nil || resolution != nil || first != 0 {
            throw ValidationError("--out, --first, --seed, --scene-mix and --resolution go with --dataset N")
        }
        if dataset != nil, model != nil || force {
            throw ValidationError("--model and --force go with --diffusers DIR")
        }
    }

    func run() throws {
        if let dataset, let out { return try exportDataset(count: dataset, to: out) }
        guard let diffusers else { return }
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

extension Export {
    /// `--dataset N --out FILE`.
    func exportDataset(count: Int, to path: String) throws {
        var options = TrainingOptions()
        options.seed = seed ?? options.seed
        options.resolution = resolution ?? options.resolution
        options.sceneMix = try sceneMix.map { try SceneMix(parsing: $0) }
        guard first >= 0 else { throw CLIError("--first must be ≥ 0 (got \(first))") }
        guard (1...TrainingDataset.maximumCount).contains(count) else {
            throw CLIError("--dataset takes 1…\(TrainingDataset.maximumCount) items (got \(count)); write more as several files with --first")
        }
        let url = try fileURL(path, option: "--out")
        let start = Date()
        let summary = try TrainingDataset.write(options: options, items: first..<(first + count), to: url)
        print(String(format: "wrote %@: training items %d..<%d (seed %llu, scenes %@, %d² pixels), validation %d, %.1f MB in %.1f s",
                     path, summary.trainingItems.lowerBound, summary.trainingItems.upperBound, options.seed,
                     "\(options.sceneMix ?? .standard)", options.resolution, summary.validationCount,
                     Double(summary.byteCount) / 1e6, Date().timeIntervalSince(start)))
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
