import Foundation
import FlowCore
import MMDiT
import DemoModelFormat

/// Single files: Stability's all-in-one checkpoints, MM-DiT-only files, the demo model, and the
/// other families' checkpoints, told apart by their tensor names.
extension SD3ModelFiles {
    static let stabilityPrefixes: [(SD3Component, String)] = [
        (.transformer, StabilityCheckpoint.modelPrefix),
        (.vae, "first_stage_model."),
        (.clipL, "text_encoders.clip_l.transformer."),
        (.clipG, "text_encoders.clip_g.transformer."),
        (.t5, "text_encoders.t5xxl.transformer."),
    ]

    /// Reads `--model` when it is a file; nil when it is a demo model.
    static func readFile(_ url: URL) throws -> Found? {
        let provider = try openWeights(url)
        if let file = provider as? SafeTensorsFile, file.metadata[DemoModelDescription.metadataKey] != nil { return nil }
        let names = provider.tensorNames
        if let family = otherFamily(names) { throw SD3ModelFilesError.unsupportedFamily(path: url.path, family: family) }

        if names.contains(where: { $0.hasPrefix(StabilityCheckpoint.modelPrefix + "joint_blocks.") }) {
            var found: Found?
            var components: [SD3Component: SD3ComponentWeights] = [:]
            for (component, prefix) in stabilityPrefixes where names.contains(where: { $0.hasPrefix(prefix) }) {
                let weights = try canonical(component, PrefixedTensors(provider, prefix: prefix), path: url.path,
                                            source: "\(url.path) [\(prefix)*]")
                if component == .transformer {
                    found = Found(layout: .singleFile, transformer: weights, looked: url.path)
                } else {
                    components[component] = weights
                }
            }
            found?.components = components
            return found!
        }
        let isMMDiT = names.contains { $0.hasPrefix("joint_blocks.") }
            || (names.contains("pos_embed.proj.weight") && names.contains { $0.hasPrefix("transformer_blocks.") })
        guard isMMDiT else { throw SD3ModelFilesError.notSD3(path: url.path, sample: Array(names.prefix(3))) }
        return Found(layout: .transformerOnly,
                     transformer: try canonical(.transformer, provider, path: url.path, source: url.path),
                     looked: url.path)
    }

    /// The family of a checkpoint FlowStudio does not run, from its tensor names ("a Flux"…), or nil.
    static func otherFamily(_ names: [String]) -> String? {
        let unprefixed = names.map { $0.hasPrefix(StabilityCheckpoint.modelPrefix) ? String($0.dropFirst(StabilityCheckpoint.modelPrefix.count)) : $0 }
        if unprefixed.contains(where: { $0.hasPrefix("double_blocks.") || $0.hasPrefix("single_blocks.") }) { return "a Flux" }
        if names.contains(where: { $0.hasPrefix("conditioner.embedders.") }) { return "an SDXL" }
        if names.contains(where: { $0.hasPrefix(StabilityCheckpoint.modelPrefix + "input_blocks.") }) { return "an SD1.x / SD2.x" }
        if names.contains(where: { $0.hasPrefix("down_blocks.") }) && names.contains(where: { $0.hasPrefix("mid_block.") }) {
            return "a diffusers UNet (SD1.x / SD2.x / SDXL)"
        }
        return nil
    }
}
