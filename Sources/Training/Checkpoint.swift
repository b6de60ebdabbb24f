import DemoModelFormat
import Foundation
import FlowCore

/// A resumable training state in one safetensors file: the flat parameter, EMA and Adam-moment
/// buffers, with the options, step, the parameter layout and the training recipe so far (every
/// phase of the run) in the metadata. Written atomically.
enum Checkpoint {
    static let fileName = "checkpoint.safetensors"
    static let recipeKey = "flowstudio.checkpoint.recipe"

    /// The tensors in the order they lie in the flat buffers, as `name[shape];…`.
    static func layoutSignature(_ params: ParameterStore) -> String {
        params.entries.sorted { $0.offset < $1.offset }.map { "\($0.name)\(describeShape($0.shape))" }.joined(separator: ";")
    }

    /// For each tensor of `params`, where it starts in a flat buffer laid out as `layout` (a
    /// signature written by this or an earlier version, whose order may differ); nil when the
    /// layout holds other tensors or shapes.
    static func offsets(of layout: String, in params: ParameterStore) -> [(from: Int, to: Int, count: Int)]? {
        var stored: [String: (offset: Int, shape: String)] = [:]
        var offset = 0
        for item in layout.split(separator: ";") {
            guard let open = item.firstIndex(of: "[") else { return nil }
            let shape = String(item[open...])
            let dims = shape.dropFirst().dropLast().split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            stored[String(item[..<open])] = (offset, shape)
            offset += dims.reduce(1, *)
        }
        guard offset == params.count, stored.count == params.entries.count else { return nil }
        var moves: [(from: Int, to: Int, count: Int)] = []
        for entry in params.entries {
            guard let s = stored[entry.name], s.shape == describeShape(entry.shape) else { return nil }
            moves.append((s.offset, entry.offset, entry.count))
        }
        return moves
    }

    static func save(to directory: URL, params: ParameterStore, ema: ExponentialMovingAverage, adam: AdamW,
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
    static func load(from url: URL, params: ParameterStore, ema: ExponentialMovingAverage, adam: AdamW) throws -> Int {
        let file = try SafeTensorsFile(contentsOf: url)
        guard let layout = file.metadata["flowstudio.checkpoint.layout"], let stepText = file.metadata["flowstudio.checkpoint.step"],
              let step = Int(stepText), let adamStep = Int(file.metadata["flowstudio.checkpoint.adam_step"] ?? "") else {
            throw TrainingError.checkpoint("\(url.path) is not a FlowStudio training checkpoint")
        }
        // Checkpoints of earlier versions list the same tensors in another order (q, k, v now lie
        // next to each other): they are moved into place by name.
        guard let moves = offsets(of: layout, in: params) else {
            throw TrainingError.checkpoint("\(url.path) was made for a different model shape; start a new run in another --out directory, or resume with the options it was made with")
        }
        func reordered(_ flat: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: flat.count)
            for move in moves { for i in 0..<move.count { out[move.to + i] = flat[move.from + i] } }
            return out
        }
        for name in ["params", "ema", "adam.m", "adam.v"] {
            guard file.shape(of: name) == [params.count] else {
                throw TrainingError.checkpoint("\(url.path): tensor '\(name)' is missing or has the wrong size")
            }
        }
        let values = reordered(try file.tensor("params").scalars)
        values.withUnsafeBufferPointer { params.values.update(from: $0.baseAddress!, count: params.count) }
        try reordered(file.tensor("ema").scalars).withUnsafeBufferPointer { ema.values.p.update(from: $0.baseAddress!, count: params.count) }
        adam.restore(step: adamStep, m: reordered(try file.tensor("adam.m").scalars), v: reordered(try file.tensor("adam.v").scalars))
        return step
    }
}
