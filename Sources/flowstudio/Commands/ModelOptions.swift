import DemoModelFormat
import ArgumentParser
import Foundation
import FlowCore
import Generation
import MMDiT

/// The SD3 component options: separate encoder, VAE and tokenizer files for a model that does
/// not hold them (as ComfyUI and stable-diffusion.cpp users keep them).
struct SD3ComponentOptions: ParsableArguments {
    @Option(name: .customLong("clip-l"), help: "CLIP-L text encoder file (clip_l.safetensors) for an SD3 single file without encoders.")
    var clipL: String?
    @Option(name: .customLong("clip-g"), help: "CLIP-G text encoder file (clip_g.safetensors).")
    var clipG: String?
    @Option(name: .customLong("t5xxl"), help: "T5-XXL text encoder file (t5xxl_fp16.safetensors or t5xxl_fp8_e4m3fn.safetensors); optional.")
    var t5xxl: String?
    @Option(help: "SD3 VAE weights (a vae/ folder or its diffusion_pytorch_model.safetensors), when the model has none.")
    var vae: String?
    @Option(help: "A folder with tokenizer/ tokenizer_2/ tokenizer_3/ (as a diffusers SD3 folder has), for single files.")
    var tokenizers: String?
    @Flag(name: .customLong("no-t5"), help: "Leave T5-XXL out (its tokens are zeros, as diffusers does without it): less memory and faster encoding, prompts followed less closely.")
    var noT5 = false

    /// Whether any of them was given.
    var given: Bool { clipL != nil || clipG != nil || t5xxl != nil || vae != nil || tokenizers != nil || noT5 }

    /// The files for the model at `model`.
    func paths(model: URL) throws -> SD3ModelPaths {
        func url(_ path: String?, _ option: String) throws -> URL? { try path.map { try fileURL($0, option: option) } }
        return SD3ModelPaths(model: model, clipL: try url(clipL, "--clip-l"), clipG: try url(clipG, "--clip-g"),
                             t5xxl: try url(t5xxl, "--t5xxl"), vae: try url(vae, "--vae"), tokenizers: try url(tokenizers, "--tokenizers"))
    }

    /// Loads `model` (a demo-model file or any SD3 layout) with these component files.
    func load(model: URL, precision: MatrixPrecision) throws -> ModelLoader.Loaded {
        try load(model: model, choice: PrecisionChoice(precision))
    }

    /// Loads `model` with the arithmetic `choice` resolves to for its weights (`--precision`),
    /// a demo model's MM-DiT matrices re-held as `weights` says (nil: as the file stores them).
    func load(model: URL, choice: PrecisionChoice, weights: HeldWeights? = nil) throws -> ModelLoader.Loaded {
        try ModelLoader.load(try paths(model: model), choice: choice, includeT5: !noT5, weights: weights?.matrices)
    }
}

/// `--model` and the SD3 component options: which text-to-image model to use (the bundled demo
/// model by default).
struct ModelOptions: ParsableArguments {
    @Option(help: "The model: a demo-model file made by `flowstudio train`, or an SD3 / SD3.5 model (a diffusers folder, or a Stability single file such as sd3.5_medium.safetensors). Default: the bundled demo model.")
    var model: String?
    @OptionGroup var components: SD3ComponentOptions

    /// Loads the model with its products in the arithmetic `precision` resolves to (`--precision`;
    /// SD3 weights stay in their file's dtype), printing what the user should know (no T5, no
    /// VAE, the memory plan, half-precision weights) to stderr; or throws one error that says what is wrong.
    /// `weights` (`--weights`) re-holds a demo model's MM-DiT matrices (nil: as the file stores them).
    func loadGenerator(precision: PrecisionChoice = .float32, weights: HeldWeights? = nil) throws -> any ImageGenerator {
        guard let path = model else {
            if components.given { throw CLIError("--clip-l, --clip-g, --t5xxl, --vae, --tokenizers and --no-t5 go with --model (an SD3 model)") }
            guard let url = DemoPipeline.bundledModelURL else {
                throw CLIError("this build has no bundled model; pass --model (a model made by `flowstudio train`, or an SD3 model)")
            }
            return try DemoPipeline(contentsOf: url, precision: precision.resolved(halfWeights: weights?.isHalf ?? false),
                                    matrices: weights?.matrices ?? .float32)
        }
        let loaded = try components.load(model: try fileURL(path, option: "--model"), choice: precision, weights: weights)
        for note in loaded.notes { printError("note: \(note)") }
        for warning in loaded.warnings { printError("warning: \(warning)") }
        if loaded.generator is SD3Pipeline { printError("model: \(loaded.generator.modelName) (\(loaded.generator.modelSummary))") }
        return loaded.generator
    }

    /// The demo-model file `--model` names (for `defaults`, which reads and rewrites its settings).
    func loadDemoModel() throws -> DemoPipeline {
        guard let path = model else {
            guard let url = DemoPipeline.bundledModelURL else { throw CLIError("this build has no bundled model; pass --model FILE") }
            return try DemoPipeline(contentsOf: url)
        }
        let url = try fileURL(path, option: "--model")
        guard FileManager.default.fileExists(atPath: url.path) else { throw CLIError("no model file at \(path)") }
        do {
            return try DemoPipeline(contentsOf: url)
        } catch DemoModelFileError.notADemoModel {
            throw CLIError("\(path) is not a FlowStudio demo model (no model description in its metadata); `defaults` works on demo models made by `flowstudio train`")
        }
    }
}

/// `--weights`: how the model's linear weights are held while it runs (`eval`, `generate`, `grid`).
struct HeldWeightsOption: ParsableArguments {
    @Option(help: "Hold the MM-DiT's linear weights this way while running: float32, bfloat16, float16, q8_0 or q4_0 (rounded to nearest even, or quantized as the gguf package does, as the model loads; a model already stored so is kept bit for bit). Default: as the file stores them. Demo models only (an SD3 model is held as its file stores it); the text encoder stays float32.")
    var weights: HeldWeights?
}
