import DemoModelFormat
import ArgumentParser
import Foundation
import FlowCore
import Generation
import MMDiT

/// `--model`: which text-to-image model to use (the bundled demo model by default).
struct ModelOptions: ParsableArguments {
    @Option(help: "A demo-model file (.safetensors) made by `flowstudio train`; default: the bundled model.")
    var model: String?

    /// Loads the model with its products in `precision`, or throws one error that says what is
    /// wrong and what to do.
    func loadGenerator(precision: MatrixPrecision = .float32) throws -> DemoPipeline {
        guard let path = model else {
            guard let url = DemoPipeline.bundledModelURL else {
                throw CLIError("this build has no bundled model; pass --model FILE (a model made by `flowstudio train`)")
            }
            return try DemoPipeline(contentsOf: url, precision: precision)
        }
        let url = try fileURL(path, option: "--model")
        guard FileManager.default.fileExists(atPath: url.path) else { throw CLIError("no model file at \(path)") }
        do {
            return try DemoPipeline(contentsOf: url, precision: precision)
        } catch DemoModelFileError.notADemoModel {
            // Say what the file is when it is an SD3 transformer rather than a demo model.
            if let file = try? SafeTensorsFile(contentsOf: url), (try? MMDiTConfig.detect(from: diffusersView(of: file))) != nil {
                throw CLIError("\(path) is an SD3 MM-DiT checkpoint; text-to-image with it also needs the SD3 text encoders and VAE, which FlowStudio does not load yet. Use `flowstudio forward` or `flowstudio sample` with precomputed embeddings, or a demo model from `flowstudio train`.")
            }
            throw CLIError("\(path) is not a FlowStudio demo model (no model description in its metadata); train one with `flowstudio train`")
        }
    }
}
