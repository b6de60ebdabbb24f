import DemoModelFormat
import Foundation
import FlowCore
import MMDiT
import ShapesWorld
import TextEncoders

/// A training option that fixes the model's shape, and so can be read from an initial model.
public enum ModelShapeOption: String, CaseIterable, Sendable {
    case depth, resolution, patch
    case textLayers = "text-layers"
    case textLength = "text-length"
}

/// What `flowstudio train --init` starts from: a diffusers `SD3Transformer2DModel` folder (from
/// `flowstudio export --diffusers` or PyTorch's `save_pretrained`) or a demo-model file.
public struct InitialModel {
    public let url: URL
    public let contents: DiffusersFolder.Contents
    /// Things to tell the user (e.g. the text encoder starts fresh).
    public var warnings: [String] { contents.warnings }
    /// Whether the text encoder's weights come from the model (else it starts fresh).
    public var hasTextEncoder: Bool { contents.textEncoderWeights != nil }

    public init(contentsOf url: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw DiffusersFolderError.missingFile(url.path, "--init takes a diffusers SD3Transformer2DModel folder or a demo-model .safetensors file")
        }
        self.url = url
        contents = isDirectory.boolValue ? try DiffusersFolder.read(url) : try DiffusersFolder.readDemoModel(url)
    }

    /// `options` with the model's shape (depth, patch, resolution; text layers and length when
    /// the text encoder comes along) taken from the model. An option in `given` (set by the user)
    /// must equal the model's value; then the whole shape must be one `flowstudio train` builds.
    public func trainingOptions(from options: TrainingOptions, given: Set<ModelShapeOption>) throws -> TrainingOptions {
        var o = options
        let model = contents.transformer
        func take(_ option: ModelShapeOption, _ current: Int, _ value: Int, _ what: String) throws -> Int {
            if given.contains(option) && current != value {
                throw DiffusersFolderError.optionConflict(option: option.rawValue, given: "\(current)", model: "\(what) \(value)",
                                                          source: contents.source)
            }
            return value
        }
        o.depth = try take(.depth, o.depth, model.depth, "num_layers")
        o.patchSize = try take(.patch, o.patchSize, model.patchSize, "patch_size")
        o.resolution = try take(.resolution, o.resolution, contents.resolution, "sample_size")
        let text = hasTextEncoder ? contents.description?.textEncoder : nil
        if let text {
            o.textLayers = try take(.textLayers, o.textLayers, text.layers, "text encoder layers")
            o.textLength = try take(.textLength, o.textLength, text.length, "text length")
        }

        let run = o.transformerConfig
        if run != model {
            throw DiffusersFolderError.notTrainable(
                "\(contents.source) describes an MM-DiT that a depth-\(o.depth) run does not build (FlowStudio trains " +
                "hidden 64·depth, heads = depth, context and pooled widths = hidden, 3 channels, pos_embed_max_size = " +
                "resolution / patch, no qk-norm, no dual attention): " + differences(model, run))
        }
        if let text, let description = contents.description {
            let expected = o.textConfig(vocabularySize: Caption.vocabulary.count + 2)
            guard text == expected else {
                throw DiffusersFolderError.notTrainable(
                    "its text encoder (width \(text.width), \(text.layers) layers, \(text.heads) heads, length \(text.length), vocabulary \(text.vocabularySize)) " +
                    "is not the one a depth-\(o.depth) run builds (width \(expected.width), \(expected.heads) heads, vocabulary \(expected.vocabularySize)); " +
                    "remove \(DiffusersFolder.textEncoderFileName) to start the text encoder fresh")
            }
            guard description.vocabulary == Caption.vocabulary else {
                let index = zip(description.vocabulary, Caption.vocabulary).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                    ?? min(description.vocabulary.count, Caption.vocabulary.count)
                throw DiffusersFolderError.notTrainable(
                    "its vocabulary differs from the Shapes world's at word \(index) " +
                    "(\(description.vocabulary.count) vs \(Caption.vocabulary.count) words), so its token ids mean other words; " +
                    "remove \(DiffusersFolder.textEncoderFileName) to start the text encoder fresh")
            }
        }
        return o
    }

    /// The differing fields of two configs, with diffusers' names.
    private func differences(_ model: MMDiTConfig, _ run: MMDiTConfig) -> String {
        var parts: [String] = []
        func compare<T: Equatable>(_ name: String, _ a: T, _ b: T) {
            if a != b { parts.append("\(name): model \(a), run \(b)") }
        }
        compare("num_layers", model.depth, run.depth)
        compare("hidden (num_attention_heads × attention_head_dim)", model.hiddenSize, run.hiddenSize)
        compare("num_attention_heads", model.heads, run.heads)
        compare("patch_size", model.patchSize, run.patchSize)
        compare("in_channels", model.inChannels, run.inChannels)
        compare("out_channels", model.outChannels, run.outChannels)
        compare("joint_attention_dim", model.contextDim, run.contextDim)
        compare("pooled_projection_dim", model.pooledDim, run.pooledDim)
        compare("pos_embed_max_size", model.posEmbedMaxSize, run.posEmbedMaxSize)
        compare("qk_norm", model.qkNorm, run.qkNorm)
        compare("dual_attention_layers", model.dualAttentionLayers, run.dualAttentionLayers)
        compare("MLP width", model.mlpHiddenSize, run.mlpHiddenSize)
        return parts.joined(separator: "; ")
    }

    /// Copies the model's tensors into a run's parameters, strictly: every `transformer.*` key of
    /// the run present with its shape and no others; the same for `text_encoder.*` when the model
    /// has a text encoder (otherwise those keep their fresh initialisation).
    public func load(into params: ParameterStore) throws {
        try Self.load(params, prefix: "transformer.", from: contents.transformerWeights)
        if let text = contents.textEncoderWeights {
            try Self.load(params, prefix: TextEncoderConfig.prefix, from: text)
        }
    }

    static func load(_ params: ParameterStore, prefix: String, from provider: TensorProvider) throws {
        let ids = params.entries.indices.filter { params.entries[$0].name.hasPrefix(prefix) }
        func key(_ id: Int) -> String { String(params.entries[id].name.dropFirst(prefix.count)) }
        let expected = Dictionary(uniqueKeysWithValues: ids.map { (key($0), params.entries[$0].shape) })
        let present = Dictionary(uniqueKeysWithValues: provider.tensorNames.map { ($0, provider.tensorShape($0) ?? []) })
        try DiffusersFolder.checkKeys(expected: expected, present: present, source: provider.sourceDescription)
        for id in ids { params.set(id, try provider.loadTensor(key(id))) }
    }
}

extension Trainer {
    /// A new run in `directory` that starts from `initial`'s weights instead of a fresh
    /// initialisation (the EMA starts at them too; the optimiser state starts empty).
    /// `options` must have the model's shape: pass them through `initial.trainingOptions(from:given:)`.
    /// On an error nothing is left behind in a directory this call created.
    public convenience init(options: TrainingOptions, directory: URL, initialModel initial: InitialModel) throws {
        _ = try initial.trainingOptions(from: options, given: Set(ModelShapeOption.allCases))  // conflicts throw
        let existed = FileManager.default.fileExists(atPath: directory.path)
        try self.init(options: options, directory: directory, resume: false)
        do {
            try initial.load(into: model.params)
        } catch {
            if !existed, (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?.isEmpty == true {
                try? FileManager.default.removeItem(at: directory)
            }
            throw error
        }
        ema.values.p.update(from: model.params.values, count: model.params.count)
        recordInitialModel(initial)
    }
}
