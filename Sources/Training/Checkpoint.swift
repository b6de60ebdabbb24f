import DemoModelFormat
import Foundation
import FlowCore

/// A resumable training state in one safetensors file: the flat parameter, EMA and Adam-moment
/// buffers, with the options, step, the parameter layout and the training recipe so far (every
/// phase of the run) in the metadata. Written atomically.
enum Checkpoint {
    static let fileName = "checkpoint.safetensors"
    static let recipeKey = "flowstudio.checkpoint.recipe"

    static func layoutSignature(_ params: ParameterSet) -> String {
        params.entries.map { "\($0.name)\(describeShape($0.shape))" }.joined(separator: ";")
    }

    static func save(to directory: URL, params: ParameterSet, ema: ExponentialMovingAverage, adam: AdamW,
                     options: TrainingOptions, step: Int, validationLoss: Float?,
                     recipe: [DemoModelDescription.TrainingPhase]) throws {
        func flat(_ p: UnsafeMutablePointer<Float>) -> Tensor {
            Tensor(shape: [params.count], scalars: Array(UnsafeBufferPointer(start: p, count: params.count)))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var metadata = [
            "flowstudio.checkpoint.step": "\(step)",
            "flowstudio.checkpoint.adam_step": "\(adam.step)",
            "flowstudio.checkpoint.options": String(decoding: try encoder.encode(options), as: UTF8.self),
            "flowstudio.checkpoint.layout": layoutSignature(params),
            recipeKey: String(decoding: try encoder.encode(recipe), as: UTF8.self),
        ]
        if let validationLoss { metadata["flowstudio.checkpoint.validation_loss"] = "\(validationLoss)" }
        try SafeTensors.write(["params": flat(params.values), "ema": flat(ema.values.p), "adam.m": flat(adam.m.p), "adam.v": flat(adam.v.p)],
                              metadata: metadata, to: directory.appendingPathComponent(fileName))
    }

    /// The options stored in a checkpoint (to resume with the same run definition).
    static func options(in url: URL) throws -> TrainingOptions {
        let file = try SafeTensorsFile(contentsOf: url)
        guard let json = file.metadata["flowstudio.checkpoint.options"] else {
            throw TrainingError.checkpoint("\(url.path) is not a FlowStudio training checkpoint (no options in its metadata)")
        }
        return try JSONDecoder().decode(TrainingOptions.self, from: Data(json.utf8))
    }

    /// The training recipe stored in a checkpoint; nil for checkpoints written before it was
    /// recorded.
    static func recipe(in url: URL) throws -> [DemoModelDescription.TrainingPhase]? {
        let file = try SafeTensorsFile(contentsOf: url)
        guard let json = file.metadata[recipeKey] else { return nil }
        do {
            return try JSONDecoder().decode([DemoModelDescription.TrainingPhase].self, from: Data(json.utf8))
        } catch {
            throw TrainingError.checkpoint("\(url.path): its training recipe cannot be read (\((error as? DecodingError)?.phrase() ?? "\(error)"))")
        }
    }

    /// Loads a checkpoint into freshly built training state; returns the step to continue from.
    static func load(from url: URL, params: ParameterSet, ema: ExponentialMovingAverage, adam: AdamW) throws -> Int {
        let file = try SafeTensorsFile(contentsOf: url)
        guard let layout = file.metadata["flowstudio.checkpoint.layout"], let stepText = file.metadata["flowstudio.checkpoint.step"],
              let step = Int(stepText), let adamStep = Int(file.metadata["flowstudio.checkpoint.adam_step"] ?? "") else {
            throw TrainingError.checkpoint("\(url.path) is not a FlowStudio training checkpoint")
        }
        guard layout == layoutSignature(params) else {
            throw TrainingError.checkpoint("\(url.path) was made for a different model shape; start a new run in another --out directory, or resume with the options it was made with")
        }
        for name in ["params", "ema", "adam.m", "adam.v"] {
            guard file.shape(of: name) == [params.count] else {
                throw TrainingError.checkpoint("\(url.path): tensor '\(name)' is missing or has the wrong size")
            }
        }
        let values = try file.tensor("params").scalars
        values.withUnsafeBufferPointer { params.values.update(from: $0.baseAddress!, count: params.count) }
        try file.tensor("ema").scalars.withUnsafeBufferPointer { ema.values.p.update(from: $0.baseAddress!, count: params.count) }
        adam.restore(step: adamStep, m: try file.tensor("adam.m").scalars, v: try file.tensor("adam.v").scalars)
        return step
    }
}
