import Foundation
import FlowCore
import Generation
import MMDiT
import TextEncoding

/// A diffusers `SD3Transformer2DModel` folder, the way models go out to PyTorch and come back:
///
/// ```
/// DIR/config.json                          diffusers' config (SD3Transformer2DModel arguments)
/// DIR/diffusion_pytorch_model.safetensors  the MM-DiT, diffusers keys, F32
/// DIR/flowstudio_text_encoder.safetensors  the demo text encoder (`text_encoder.*`), F32
/// DIR/flowstudio_model.json                the DemoModelDescription (configs, vocabulary, defaults)
/// ```
///
/// `SD3Transformer2DModel.from_pretrained(DIR)` reads the first two and ignores the rest;
/// `flowstudio train --init DIR` reads all four (the last two when present).
public enum DiffusersFolder {
    public static let configFileName = "config.json"
    public static let weightsFileName = "diffusion_pytorch_model.safetensors"
    public static let textEncoderFileName = "flowstudio_text_encoder.safetensors"
    public static let descriptionFileName = "flowstudio_model.json"
    /// The diffusers version whose `SD3Transformer2DModel` this layout was checked against.
    public static let diffusersVersion = "0.42.1"

    /// What `export` wrote.
    public struct ExportSummary: Sendable {
        public let directory: URL
        public let files: [URL]
        public let transformer: MMDiTConfig
        public let diffusersConfig: DiffusersTransformerConfig
        public let transformerParameters: Int
        public let textEncoderParameters: Int
    }

    /// Writes the demo model in `modelURL` (a file made by `flowstudio train`, or the bundled one)
    /// as a diffusers folder in `directory`. Each file is written atomically. A directory that
    /// exists and is not empty is refused unless `force`; with `force`, diffusers weight files
    /// that would shadow the new one (shards, their index, `.bin`) are removed, other files are kept.
    @discardableResult
    public static func export(model modelURL: URL, to directory: URL, force: Bool) throws -> ExportSummary {
        let file = try SafeTensorsFile(contentsOf: modelURL)
        guard let description = try DemoModelDescription.read(from: file) else {
            throw DiffusersFolderError.notADemoModel(modelURL.path)
        }
        let transformerPrefix = "transformer."
        if let stray = file.names.first(where: { !$0.hasPrefix(transformerPrefix) && !$0.hasPrefix(TextEncoderConfig.prefix) }) {
            throw DiffusersFolderError.unexpectedKeys([stray], source: modelURL.path)
        }
        let view = PrefixedTensors(file, prefix: transformerPrefix)
        // Strict load: proves the tensors are exactly the model the description names.
        let network = try MMDiT(config: description.transformer, weights: view)
        let diffusersConfig = try DiffusersTransformerConfig(description.transformer, sampleSize: description.resolution)

        var transformer: [String: Tensor] = [:]
        for name in view.tensorNames { transformer[name] = try view.loadTensor(name) }
        var text: [String: Tensor] = [:]
        let textNames = file.names.filter { $0.hasPrefix(TextEncoderConfig.prefix) }
        let expectedText = Dictionary(uniqueKeysWithValues: description.textEncoder.weightShapes.map { ($0.key, $0.shape) })
        try checkKeys(expected: expectedText, present: Dictionary(uniqueKeysWithValues: textNames.map { ($0, file.shape(of: $0)!) }),
                      source: modelURL.path)
        for name in textNames { text[name] = try file.tensor(name) }

        try prepare(directory, force: force)
        let weightsURL = directory.appendingPathComponent(weightsFileName)
        let textURL = directory.appendingPathComponent(textEncoderFileName)
        let descriptionURL = directory.appendingPathComponent(descriptionFileName)
        let configURL = directory.appendingPathComponent(configFileName)
        try SafeTensors.write(transformer, metadata: ["format": "pt"], dtype: .f32, to: weightsURL)
        try SafeTensors.write(text, metadata: ["format": "pt"], dtype: .f32, to: textURL)
        try writeJSON(description, to: descriptionURL)
        try writeJSON(diffusersConfig, to: configURL)
        try removeShadowingWeights(in: directory)
        return ExportSummary(directory: directory, files: [configURL, weightsURL, textURL, descriptionURL],
                             transformer: description.transformer, diffusersConfig: diffusersConfig,
                             transformerParameters: network.parameterCount,
                             textEncoderParameters: text.values.reduce(0) { $0 + $1.count })
    }

    /// The parts of a folder (or of a demo-model file) that `--init` reads.
    public struct Contents {
        /// Where the shape was read (config.json, or the demo-model file), for messages.
        public let source: String
        /// The MM-DiT's shape, from `config.json` (or the demo model's description).
        public let transformer: MMDiTConfig
        /// Image side in pixels (`sample_size`: latent pixels are image pixels for the pixel-space demo model).
        public let resolution: Int
        /// The MM-DiT weights with diffusers keys (no prefix).
        public let transformerWeights: TensorProvider
        /// The FlowStudio description, when the folder has one.
        public let description: DemoModelDescription?
        /// The text encoder weights, keys without the `text_encoder.` prefix, when the folder has them.
        public let textEncoderWeights: TensorProvider?
        /// Things the caller should tell the user (the library does not print).
        public let warnings: [String]
    }

    /// Reads a diffusers folder (from `export` or from PyTorch's `save_pretrained`).
    public static func read(_ directory: URL) throws -> Contents {
        let fm = FileManager.default
        let path = directory.path
        let configURL = directory.appendingPathComponent(configFileName)
        guard fm.fileExists(atPath: configURL.path) else {
            throw DiffusersFolderError.missingFile(configURL.path, "a diffusers model folder holds config.json (written by `flowstudio export --diffusers` or by `save_pretrained`)")
        }
        let config: DiffusersTransformerConfig
        do {
            config = try JSONDecoder().decode(DiffusersTransformerConfig.self, from: Data(contentsOf: configURL))
        } catch let error as DiffusersFolderError {
            throw error
        } catch {
            throw DiffusersFolderError.invalidConfig(configURL.path, "\(error)")
        }
        guard config.className == DiffusersTransformerConfig.className else {
            throw DiffusersFolderError.invalidConfig(configURL.path, "_class_name is \"\(config.className)\"; FlowStudio reads SD3Transformer2DModel folders (the `transformer` subfolder of an SD3 pipeline)")
        }
        let transformer = try config.mmditConfig(source: configURL.path)

        let weightsURL = directory.appendingPathComponent(weightsFileName)
        guard fm.fileExists(atPath: weightsURL.path) else {
            let others = (try? fm.contentsOfDirectory(atPath: path)) ?? []
            if others.contains(where: { $0.hasSuffix(".index.json") }) {
                throw DiffusersFolderError.missingFile(weightsURL.path, "the folder holds a sharded checkpoint, which FlowStudio does not read; save it again with a larger max_shard_size")
            }
            if others.contains(where: { $0.hasSuffix(".bin") }) {
                throw DiffusersFolderError.missingFile(weightsURL.path, "the folder holds PyTorch .bin weights; save with safe_serialization=True")
            }
            throw DiffusersFolderError.missingFile(weightsURL.path, "the MM-DiT weights of a diffusers folder")
        }
        let weights = try SafeTensorsFile(contentsOf: weightsURL)

        var warnings: [String] = []
        let descriptionURL = directory.appendingPathComponent(descriptionFileName)
        let textURL = directory.appendingPathComponent(textEncoderFileName)
        var description: DemoModelDescription?
        if fm.fileExists(atPath: descriptionURL.path) {
            do {
                description = try JSONDecoder().decode(DemoModelDescription.self, from: Data(contentsOf: descriptionURL))
            } catch {
                throw DiffusersFolderError.invalidConfig(descriptionURL.path, "\(error)")
            }
        }
        var text: TensorProvider?
        if fm.fileExists(atPath: textURL.path) {
            guard description != nil else {
                throw DiffusersFolderError.missingFile(descriptionURL.path, "\(textEncoderFileName) needs its description (text encoder config and vocabulary); copy it from the exported folder, or remove \(textEncoderFileName) to start the text encoder fresh")
            }
            let file = try SafeTensorsFile(contentsOf: textURL)
            if let stray = file.names.first(where: { !$0.hasPrefix(TextEncoderConfig.prefix) }) {
                throw DiffusersFolderError.unexpectedKeys([stray], source: textURL.path)
            }
            text = PrefixedTensors(file, prefix: TextEncoderConfig.prefix)
        } else {
            warnings.append("\(path) has no \(textEncoderFileName): the text encoder starts from a fresh initialisation")
        }
        if let description, description.transformer != transformer {
            warnings.append("\(descriptionFileName) describes a different MM-DiT (\(description.transformer)) than config.json (\(transformer)); config.json is used")
        }
        return Contents(source: configURL.path, transformer: transformer, resolution: config.sampleSize, transformerWeights: weights,
                        description: description, textEncoderWeights: text, warnings: warnings)
    }

    /// Reads a demo-model file (as `flowstudio train` writes and the studio loads) in the same terms.
    public static func readDemoModel(_ url: URL) throws -> Contents {
        let file = try SafeTensorsFile(contentsOf: url)
        guard let description = try DemoModelDescription.read(from: file) else {
            throw DiffusersFolderError.notADemoModel(url.path)
        }
        if let stray = file.names.first(where: { !$0.hasPrefix("transformer.") && !$0.hasPrefix(TextEncoderConfig.prefix) }) {
            throw DiffusersFolderError.unexpectedKeys([stray], source: url.path)
        }
        return Contents(source: url.path, transformer: description.transformer, resolution: description.resolution,
                        transformerWeights: PrefixedTensors(file, prefix: "transformer."), description: description,
                        textEncoderWeights: PrefixedTensors(file, prefix: TextEncoderConfig.prefix), warnings: [])
    }

    /// Strict key check: every expected key present with its shape, nothing else.
    /// Errors name the key, the source and both shapes.
    static func checkKeys(expected: [String: [Int]], present: [String: [Int]], source: String) throws {
        for key in expected.keys.sorted() {
            guard let shape = present[key] else {
                throw DiffusersFolderError.missingKey(key, source: source, expected: expected[key]!)
            }
            guard shape == expected[key]! else {
                throw DiffusersFolderError.shapeMismatch(key, source: source, expected: expected[key]!, found: shape)
            }
        }
        let unknown = present.keys.filter { expected[$0] == nil }.sorted()
        if !unknown.isEmpty { throw DiffusersFolderError.unexpectedKeys(unknown, source: source) }
    }

    /// Creates `directory`, or checks that it may be written to.
    static func prepare(_ directory: URL, force: Bool) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: directory.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw DiffusersFolderError.notADirectory(directory.path) }
            let entries = try fm.contentsOfDirectory(atPath: directory.path)
            if !entries.isEmpty && !force { throw DiffusersFolderError.directoryNotEmpty(directory.path) }
        } else {
            do {
                try fm.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                throw DiffusersFolderError.cannotWrite(directory.path, error.localizedDescription)
            }
        }
        guard fm.isWritableFile(atPath: directory.path) else {
            throw DiffusersFolderError.cannotWrite(directory.path, "permission denied")
        }
    }

    /// Removes diffusers weight files other than ours that `from_pretrained` could pick instead
    /// (a shard index wins over the single file).
    static func removeShadowingWeights(in directory: URL) throws {
        let fm = FileManager.default
        for name in try fm.contentsOfDirectory(atPath: directory.path)
        where name.hasPrefix("diffusion_pytorch_model") && name != weightsFileName {
            try fm.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    static func writeJSON<T: Encodable>(_ value: T, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(0x0A)
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw DiffusersFolderError.cannotWrite(url.path, error.localizedDescription)
        }
    }
}

/// `config.json` of a diffusers `SD3Transformer2DModel`: its constructor arguments, snake_case.
/// Missing keys take diffusers' defaults, as `from_pretrained` does.
public struct DiffusersTransformerConfig: Codable, Equatable, Sendable {
    public static let className = "SD3Transformer2DModel"

    /// `_class_name`: "SD3Transformer2DModel".
    public var className: String
    /// `_diffusers_version`.
    public var diffusersVersion: String?
    /// Latent side in latent pixels (here image pixels: the demo model is pixel-space). Sets
    /// diffusers' default image size and the base size of its sin-cos table.
    public var sampleSize: Int
    public var patchSize: Int
    public var inChannels: Int
    /// Joint blocks (depth).
    public var numLayers: Int
    /// Head width (64 in the SD3 family).
    public var attentionHeadDim: Int
    public var numAttentionHeads: Int
    /// Width of the text tokens (our context width).
    public var jointAttentionDim: Int
    /// Output width of `context_embedder`; must equal the hidden width.
    public var captionProjectionDim: Int
    public var pooledProjectionDim: Int
    public var outChannels: Int
    public var posEmbedMaxSize: Int
    /// nil (none) or "rms_norm".
    public var qkNorm: String?
    public var dualAttentionLayers: [Int]

    enum CodingKeys: String, CodingKey {
        case className = "_class_name", diffusersVersion = "_diffusers_version"
        case sampleSize = "sample_size", patchSize = "patch_size", inChannels = "in_channels", numLayers = "num_layers"
        case attentionHeadDim = "attention_head_dim", numAttentionHeads = "num_attention_heads"
        case jointAttentionDim = "joint_attention_dim", captionProjectionDim = "caption_projection_dim"
        case pooledProjectionDim = "pooled_projection_dim", outChannels = "out_channels"
        case posEmbedMaxSize = "pos_embed_max_size", qkNorm = "qk_norm", dualAttentionLayers = "dual_attention_layers"
    }

    /// The diffusers config of `config` at `sampleSize`. Throws when diffusers cannot express it
    /// (its feed-forward is always 4× wide).
    public init(_ config: MMDiTConfig, sampleSize: Int) throws {
        guard config.mlpHiddenSize == 4 * config.hiddenSize else {
            throw DiffusersFolderError.unsupported("the MM-DiT's MLP is \(config.mlpHiddenSize) wide; diffusers' SD3Transformer2DModel always uses 4 × hidden = \(4 * config.hiddenSize)")
        }
        className = Self.className
        diffusersVersion = DiffusersFolder.diffusersVersion
        self.sampleSize = sampleSize
        patchSize = config.patchSize
        inChannels = config.inChannels
        numLayers = config.depth
        attentionHeadDim = config.headDim
        numAttentionHeads = config.heads
        jointAttentionDim = config.contextDim
        captionProjectionDim = config.hiddenSize
        pooledProjectionDim = config.pooledDim
        outChannels = config.outChannels
        posEmbedMaxSize = config.posEmbedMaxSize
        qkNorm = config.qkNorm ? "rms_norm" : nil
        dualAttentionLayers = config.dualAttentionLayers
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // Defaults: diffusers 0.42.1 SD3Transformer2DModel.__init__.
        className = try c.decodeIfPresent(String.self, forKey: .className) ?? ""
        diffusersVersion = try c.decodeIfPresent(String.self, forKey: .diffusersVersion)
        sampleSize = try c.decodeIfPresent(Int.self, forKey: .sampleSize) ?? 128
        patchSize = try c.decodeIfPresent(Int.self, forKey: .patchSize) ?? 2
        inChannels = try c.decodeIfPresent(Int.self, forKey: .inChannels) ?? 16
        numLayers = try c.decodeIfPresent(Int.self, forKey: .numLayers) ?? 18
        attentionHeadDim = try c.decodeIfPresent(Int.self, forKey: .attentionHeadDim) ?? 64
        numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? 18
        jointAttentionDim = try c.decodeIfPresent(Int.self, forKey: .jointAttentionDim) ?? 4096
        captionProjectionDim = try c.decodeIfPresent(Int.self, forKey: .captionProjectionDim) ?? 1152
        pooledProjectionDim = try c.decodeIfPresent(Int.self, forKey: .pooledProjectionDim) ?? 2048
        outChannels = try c.decodeIfPresent(Int.self, forKey: .outChannels) ?? inChannels  // None → in_channels
        posEmbedMaxSize = try c.decodeIfPresent(Int.self, forKey: .posEmbedMaxSize) ?? 96
        qkNorm = try c.decodeIfPresent(String.self, forKey: .qkNorm)
        dualAttentionLayers = try c.decodeIfPresent([Int].self, forKey: .dualAttentionLayers) ?? []
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(className, forKey: .className)
        try c.encodeIfPresent(diffusersVersion, forKey: .diffusersVersion)
        try c.encode(sampleSize, forKey: .sampleSize)
        try c.encode(patchSize, forKey: .patchSize)
        try c.encode(inChannels, forKey: .inChannels)
        try c.encode(numLayers, forKey: .numLayers)
        try c.encode(attentionHeadDim, forKey: .attentionHeadDim)
        try c.encode(numAttentionHeads, forKey: .numAttentionHeads)
        try c.encode(jointAttentionDim, forKey: .jointAttentionDim)
        try c.encode(captionProjectionDim, forKey: .captionProjectionDim)
        try c.encode(pooledProjectionDim, forKey: .pooledProjectionDim)
        try c.encode(outChannels, forKey: .outChannels)
        try c.encode(posEmbedMaxSize, forKey: .posEmbedMaxSize)
        try c.encode(qkNorm, forKey: .qkNorm)  // null when absent, as diffusers writes it
        try c.encode(dualAttentionLayers, forKey: .dualAttentionLayers)
    }

    /// The MM-DiT this config builds in diffusers. `source` names the file in errors.
    public func mmditConfig(source: String = "config.json") throws -> MMDiTConfig {
        let hidden = numAttentionHeads * attentionHeadDim
        guard captionProjectionDim == hidden else {
            throw DiffusersFolderError.invalidConfig(source, "caption_projection_dim \(captionProjectionDim) differs from num_attention_heads × attention_head_dim = \(hidden); SD3Transformer2DModel cannot run that")
        }
        let qk: Bool
        switch qkNorm {
        case nil: qk = false
        case "rms_norm": qk = true
        case let other?: throw DiffusersFolderError.unsupported("qk_norm \"\(other)\" (\(source)); FlowStudio's MM-DiT has none or \"rms_norm\"")
        }
        let config = MMDiTConfig(depth: numLayers, hiddenSize: hidden, heads: numAttentionHeads, patchSize: patchSize,
                                 inChannels: inChannels, outChannels: outChannels, contextDim: jointAttentionDim,
                                 pooledDim: pooledProjectionDim, posEmbedMaxSize: posEmbedMaxSize, qkNorm: qk,
                                 dualAttentionLayers: dualAttentionLayers.sorted(), mlpHiddenSize: 4 * hidden)
        do {
            try config.validate()
        } catch {
            throw DiffusersFolderError.invalidConfig(source, "\(error)")
        }
        return config
    }
}

/// Why a model cannot go out to a diffusers folder or come back from one.
public enum DiffusersFolderError: Error, CustomStringConvertible, Equatable {
    case notADemoModel(String)
    case notADirectory(String)
    case directoryNotEmpty(String)
    case cannotWrite(String, String)
    case missingFile(String, String)
    case invalidConfig(String, String)
    case unsupported(String)
    case missingKey(String, source: String, expected: [Int])
    case shapeMismatch(String, source: String, expected: [Int], found: [Int])
    case unexpectedKeys([String], source: String)
    /// A training option the user gave differs from the model's (option, given, the model's value, where it was read).
    case optionConflict(option: String, given: String, model: String, source: String)
    /// The model's shape is outside what `flowstudio train` builds.
    case notTrainable(String)

    public var description: String {
        switch self {
        case let .notADemoModel(path):
            "\(path) is not a FlowStudio demo model (no '\(DemoModelDescription.metadataKey)' metadata); export a model made by `flowstudio train`, or the bundled one"
        case let .notADirectory(path):
            "\(path) exists and is not a directory; choose another --diffusers folder"
        case let .directoryNotEmpty(path):
            "\(path) is not empty; choose a new folder, or pass --force to replace the model files in it"
        case let .cannotWrite(path, why):
            "cannot write \(path): \(why)"
        case let .missingFile(path, what):
            "no \(path): \(what)"
        case let .invalidConfig(path, why):
            "\(path): \(why)"
        case let .unsupported(why):
            "not supported: \(why)"
        case let .missingKey(key, source, shape):
            "\(source) has no tensor '\(key)' (expected shape \(describeShape(shape))); the model in it does not have the run's shape"
        case let .shapeMismatch(key, source, expected, found):
            "tensor '\(key)' in \(source) has shape \(describeShape(found)), the run expects \(describeShape(expected))"
        case let .unexpectedKeys(keys, source):
            "\(source) holds \(keys.count) tensor\(keys.count == 1 ? "" : "s") the run's model does not have: " +
                keys.prefix(5).map { "'\($0)'" }.joined(separator: ", ") + (keys.count > 5 ? ", …" : "")
        case let .optionConflict(option, given, model, source):
            "--\(option) \(given) conflicts with the model in \(source), which has \(model); leave --\(option) out to take the model's value"
        case let .notTrainable(why):
            "flowstudio train cannot continue this model: \(why)"
        }
    }
}
