import Foundation
import FlowCore
import MMDiT
import TextEncoding

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
    public static func required(in file: SafeTensorsFile, at url: URL) throws -> DemoModelDescription {
        let found: DemoModelDescription?
        do {
            found = try read(from: file)
        } catch {
            throw DemoModelFileError.unreadableDescription(url.path, (error as? DecodingError)?.phrase() ?? "\(error)")
        }
        guard let found else { throw DemoModelFileError.notADemoModel(url.path) }
        return found
    }
}
