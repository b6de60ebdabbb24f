import Foundation
import FlowCore
import MMDiT
import DemoModelFormat

/// An SD3-family model's files, found and opened (headers only), ready for the pipeline: each
/// component's weights in its canonical layout (`SD3WeightLayout`), the tokenizers, the detected
/// family and its defaults, and what the user should be told.
///
/// `locate(_:)` accepts:
/// - a diffusers `StableDiffusion3Pipeline` folder (`model_index.json`; weights single, `.fp16`
///   variants or sharded), see `SD3ModelFiles+DiffusersFolder.swift`;
/// - a Stability single file (`sd3_medium*.safetensors`, `sd3.5_*.safetensors`: MM-DiT under
///   `model.diffusion_model.`, VAE under `first_stage_model.`, encoders optionally under
///   `text_encoders.*.transformer.`), or a bare MM-DiT file with Stability or diffusers keys
///   (or an index of one), or a diffusers transformer folder; see `SD3ModelFiles+SingleFile.swift`;
/// - separate encoder / VAE files (`--clip-l`, `--clip-g`, `--t5xxl`, `--vae`), which replace
///   what `--model` holds;
/// - the demo model, which it only recognises (`SD3LocatedModel.demoModel`).
public struct SD3ModelFiles: @unchecked Sendable {
    /// How the model was stored.
    public enum Layout: String, Sendable {
        /// A diffusers `StableDiffusion3Pipeline` folder.
        case diffusersFolder
        /// A Stability single file holding the MM-DiT and (some of) the rest.
        case singleFile
        /// A file or folder holding only the MM-DiT.
        case transformerOnly
    }

    /// `--model` as given.
    public let modelURL: URL
    public let layout: Layout
    public let family: SD3Family
    /// The MM-DiT's shape, read from its tensors.
    public let transformerConfig: MMDiTConfig
    /// The MM-DiT in diffusers layout.
    public let transformer: SD3ComponentWeights
    public let clipL: SD3ComponentWeights
    public let clipG: SD3ComponentWeights
    /// Nil without T5: its tokens are zeros (as diffusers does with `text_encoder_3=None`).
    public let t5: SD3ComponentWeights?
    /// Nil without a VAE: images are previews from the latent→RGB linear map (`vaeMissing`).
    public let vae: SD3ComponentWeights?
    public let tokenizers: SD3Tokenizers
    /// `scheduler/scheduler_config.json`'s `shift`, when the model has one.
    public let schedulerShift: Double?
    /// Things to tell the user that change nothing (which T5 / VAE was used, a note on T5 absent).
    public let notes: [String]
    /// Things to warn about (no VAE).
    public let warnings: [String]

    /// True when there is no VAE: the pipeline can only make preview-quality images.
    public var vaeMissing: Bool { vae == nil }

    /// The family's defaults, with the scheduler config's shift when there is one.
    public var defaults: SD3FamilyDefaults {
        var defaults = family.defaults
        if let schedulerShift { defaults.shift = schedulerShift }
        return defaults
    }

    /// Every component present, in pipeline order.
    public var components: [SD3ComponentWeights] {
        [clipL, clipG] + (t5.map { [$0] } ?? []) + [transformer] + (vae.map { [$0] } ?? [])
    }

    /// The largest JSON file read (config.json, model_index.json…): 16 MB.
    public static let maximumJSONByteCount = 16 << 20

    /// Finds the model `paths` describe. Throws `SD3ModelFilesError`.
    public static func locate(_ paths: SD3ModelPaths) throws -> SD3LocatedModel {
        let url = paths.model
        let type = try fileType(url, option: "--model")
        var found: Found
        if type == .directory {
            if let demo = try demoFolder(url) {
                guard paths.explicitOptions.isEmpty else { throw SD3ModelFilesError.optionsForDemoModel(path: url.path, options: paths.explicitOptions) }
                return .demoModel(demo, .diffusersExport)
            }
            found = try readFolder(url)
        } else {
            guard let single = try readFile(url) else {
                guard paths.explicitOptions.isEmpty else { throw SD3ModelFilesError.optionsForDemoModel(path: url.path, options: paths.explicitOptions) }
                return .demoModel(url, .file)
            }
            found = single
        }
        return .sd3(try assemble(found, paths: paths))
    }

    /// What `--model` itself provided, before explicit files and checks.
    struct Found {
        var layout: Layout
        var transformer: SD3ComponentWeights
        var components: [SD3Component: SD3ComponentWeights] = [:]
        /// Tokenizer folder for each CLIP, and the T5 tokenizer, found with the model.
        var clipLTokenizer: URL?
        var clipGTokenizer: URL?
        var t5Tokenizer: SD3T5TokenizerSource?
        var schedulerShift: Double?
        /// Components the model says it lacks (model_index null), for notes.
        var declaredAbsent: Set<SD3Component> = []
        /// Where components were looked for, for messages.
        var looked: String
    }

    /// Adds explicit files, tokenizers, family detection and the checks.
    static func assemble(_ found: Found, paths: SD3ModelPaths) throws -> SD3ModelFiles {
        var components = found.components
        var notes: [String] = []
        for component in [SD3Component.clipL, .clipG, .t5, .vae] {
            guard let url = paths.explicitFile(for: component) else { continue }
            if try fileType(url, option: component.option) == .directory {
                // A component folder (text_encoder_3/ of a diffusers download): its weights and config.json.
                let configURL = url.appendingPathComponent("config.json")
                let config = exists(configURL) ? (configURL, try readJSONObject(configURL, expected: "a config.json file").data) : nil
                components[component] = try componentWeights(component, in: url, config: config)
            } else {
                components[component] = try canonical(component, try openWeights(url), path: url.path, source: url.path)
            }
            if found.components[component] != nil {
                notes.append("\(component) from \(url.path) (\(component.option)), not from \(found.looked)")
            }
        }
        for component in [SD3Component.clipL, .clipG] where components[component] == nil {
            throw SD3ModelFilesError.missingComponent(component, looked: [found.looked, component.option])
        }

        // Tokenizers: the model's own, else --tokenizers DIR, else (CLIP) the bundled vocabulary.
        let dir = paths.tokenizers
        if let dir {
            guard try fileType(dir, option: "--tokenizers") == .directory,
                  ["tokenizer", "tokenizer_2", "tokenizer_3"].contains(where: { isDirectory(dir.appendingPathComponent($0)) }) else {
                throw SD3ModelFilesError.unreadable(path: dir.path, reason: "--tokenizers wants a folder holding tokenizer/, tokenizer_2/ and/or tokenizer_3/ (as a diffusers SD3 download does); this is not one.")
            }
        }
        func clipTokenizer(_ own: URL?, _ sub: String, pad: String) -> SD3CLIPTokenizerSource {
            if let own { return .directory(own) }
            if let dir, isDirectory(dir.appendingPathComponent(sub)) { return .directory(dir.appendingPathComponent(sub)) }
            return .bundled(padToken: pad)
        }
        let clipL = clipTokenizer(found.clipLTokenizer, "tokenizer", pad: SD3Tokenizers.clipLPadToken)
        let clipG = clipTokenizer(found.clipGTokenizer, "tokenizer_2", pad: SD3Tokenizers.clipGPadToken)
        var t5Tokenizer: SD3T5TokenizerSource?
        if let t5 = components[.t5] {
            t5Tokenizer = found.t5Tokenizer ?? dir.flatMap { t5TokenizerFile(in: $0.appendingPathComponent("tokenizer_3")) }
            if t5Tokenizer == nil {
                var looked = found.layout == .diffusersFolder ? [paths.model.appendingPathComponent("tokenizer_3").path] : []
                looked.append(dir.map { $0.appendingPathComponent("tokenizer_3").path } ?? "--tokenizers (not given)")
                throw SD3ModelFilesError.missingT5Tokenizer(weights: t5.source, looked: looked)
            }
        }

        // Family, from the MM-DiT's structure (and, for turbo, the names).
        let config: MMDiTConfig
        do { config = try MMDiTConfig.detect(from: found.transformer.weights) } catch {
            throw SD3ModelFilesError.unknownMMDiT(path: found.transformer.source, structure: "\(error)")
        }
        let name = paths.model.pathComponents.suffix(3).joined(separator: "/")
        guard let family = SD3Family.detect(config, name: name) else {
            throw SD3ModelFilesError.unknownMMDiT(path: found.transformer.source, structure: config.description)
        }
        if family == .other {
            notes.append("the MM-DiT (\(config)) is none of SD3-medium, SD3.5-medium and SD3.5-large; it runs with diffusers' pipeline defaults (28 steps, CFG 7, shift 3)")
        }

        var warnings: [String] = []
        if components[.t5] == nil {
            let why = found.declaredAbsent.contains(.t5) ? "the model has no text_encoder_3" : "no T5-XXL weights were found"
            notes.append("T5-XXL: \(why); its 256 prompt tokens are zeros, as diffusers does without it (prompts are followed less closely). Pass --t5xxl FILE (t5xxl_fp16.safetensors or t5xxl_fp8_e4m3fn.safetensors) to use it.")
        }
        if components[.vae] == nil {
            warnings.append("No VAE (looked in \(found.looked) and --vae): images are only previews from the latent→RGB linear map. Pass --vae FILE for full images.")
        }
        return SD3ModelFiles(
            modelURL: paths.model, layout: found.layout, family: family, transformerConfig: config,
            transformer: found.transformer, clipL: components[.clipL]!, clipG: components[.clipG]!,
            t5: components[.t5], vae: components[.vae],
            tokenizers: SD3Tokenizers(clipL: clipL, clipG: clipG, t5: t5Tokenizer),
            schedulerShift: found.schedulerShift, notes: notes, warnings: warnings)
    }

    /// A component's weights in canonical layout (`source` names where they came from).
    static func canonical(_ component: SD3Component, _ provider: TensorProvider, path: String, source: String,
                          configURL: URL? = nil, config: Data? = nil) throws -> SD3ComponentWeights {
        switch component {
        case .transformer:
            return SD3ComponentWeights(component: component, weights: diffusersView(of: provider), layout: .diffusers,
                                       source: source, configURL: configURL, config: config)
        case .clipL, .clipG:
            return SD3ComponentWeights(component: component, weights: try SD3EncoderKeys.clip(provider, component: component, path: path),
                                       layout: .transformers, source: source, configURL: configURL, config: config)
        case .t5:
            return SD3ComponentWeights(component: component, weights: try SD3EncoderKeys.t5(provider, path: path),
                                       layout: .transformers, source: source, configURL: configURL, config: config)
        case .vae:
            let (weights, layout) = try SD3EncoderKeys.vae(provider, path: path)
            return SD3ComponentWeights(component: component, weights: weights, layout: layout,
                                       source: source, configURL: configURL, config: config)
        }
    }
}
