import Foundation
import FlowCore
import MMDiT
import TextEncoders

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
    /// The largest config.json or flowstudio_model.json read (16 MB; ours are a few kB, the
    /// description with its vocabulary under 100 kB).
    public static let maximumJSONFileSize = 16_000_000
    /// The diffusers version whose `SD3Transformer2DModel` this layout was checked against.
    public static let diffusersVersion = DiffusersTransformerConfig.diffusersVersion

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
            config = try JSONDecoder().decode(DiffusersTransformerConfig.self,
                                              from: ReadableFile.data(of: configURL, expected: "a diffusers config.json file",
                                                                      maximumByteCount: maximumJSONFileSize))
        } catch let error as DiffusersFolderError {
            throw error
        } catch let error as DecodingError {
            throw DiffusersFolderError.invalidConfig(configURL.path, error.phrase())
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
                description = try DemoModelDescription(json: ReadableFile.data(of: descriptionURL, expected: "a FlowStudio model description (JSON) file",
                                                                               maximumByteCount: maximumJSONFileSize))
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
    public static func checkKeys(expected: [String: [Int]], present: [String: [Int]], source: String) throws {
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
            if let why = FileSystem.createDirectories(directory) { throw DiffusersFolderError.cannotWrite(directory.path, why) }
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
            try WritableFile.write(data, to: url, example: url.lastPathComponent)
        } catch let error as FileWriteError {
            throw DiffusersFolderError.cannotWrite(url.path, error.reason)
        }
    }
}
