import Foundation
import FlowCore
import MMDiT
import TextEncoders

/// What a demo-model file holds besides its tensors (`transformer.*`, `text_encoder.*`): the two
/// configs, the vocabulary and how it was trained, as JSON under `flowstudio.model` in the
/// safetensors metadata. The file is self-contained: nothing else is needed to generate.
public struct DemoModelDescription: Codable, Equatable, Sendable {
    public var name: String
    public var transformer: MMDiTConfig
    public var textEncoder: TextEncoderConfig
    public var vocabulary: [String]
    /// Image side in pixels.
    public var resolution: Int
    /// The sampling settings the model was tuned for.
    public var defaultSteps: Int
    public var defaultGuidance: Float
    public var defaultShift: Double
    /// The command line and the step count that produced the weights (free text).
    public var training: String

    public static let metadataKey = "flowstudio.model"

    public init(name: String, transformer: MMDiTConfig, textEncoder: TextEncoderConfig, vocabulary: [String],
                resolution: Int, defaultSteps: Int, defaultGuidance: Float, defaultShift: Double, training: String) {
        self.name = name
        self.transformer = transformer
        self.textEncoder = textEncoder
        self.vocabulary = vocabulary
        self.resolution = resolution
        self.defaultSteps = defaultSteps
        self.defaultGuidance = defaultGuidance
        self.defaultShift = defaultShift
        self.training = training
    }

    public func metadataValue() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Reads the description from a file's metadata; nil when the file is not a demo model.
    public static func read(from file: SafeTensorsFile) throws -> DemoModelDescription? {
        guard let json = file.metadata[metadataKey] else { return nil }
        return try JSONDecoder().decode(DemoModelDescription.self, from: Data(json.utf8))
    }

    /// The description a demo-model file must carry; the errors name the file at `url` and say
    /// what is wrong with it.
    static func required(in file: SafeTensorsFile, at url: URL) throws -> DemoModelDescription {
        let found: DemoModelDescription?
        do {
            found = try read(from: file)
        } catch {
            throw DemoPipelineError.unreadableDescription(url.path, (error as? DecodingError)?.phrase() ?? "\(error)")
        }
        guard let found else { throw DemoPipelineError.notADemoModel(url.path) }
        return found
    }
}

/// Tensors under a key prefix, with the prefix removed (e.g. the `transformer.` part of a demo model).
public struct PrefixedTensors: TensorProvider {
    public let source: TensorProvider
    public let prefix: String

    public init(_ source: TensorProvider, prefix: String) {
        self.source = source
        self.prefix = prefix
    }

    public var tensorNames: [String] {
        source.tensorNames.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }
    public func tensorShape(_ name: String) -> [Int]? { source.tensorShape(prefix + name) }
    public func loadTensor(_ name: String) throws -> Tensor { try source.loadTensor(prefix + name) }
    public var sourceDescription: String { "\(source.sourceDescription) [\(prefix)*]" }
}
