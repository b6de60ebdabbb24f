import Foundation

/// Why a file cannot be used as a demo model.
public enum DemoModelFileError: Error, CustomStringConvertible {
    case notADemoModel(String)
    case unexpectedTensor(String, String)
    case unreadableDescription(String, String)
    /// A diffusers folder of the demo model without the files that make it a text-to-image model.
    case incompleteExport(String)

    public var description: String {
        switch self {
        case let .notADemoModel(path):
            "\(path) is not a FlowStudio demo model (no '\(DemoModelDescription.metadataKey)' metadata); train one with `flowstudio train`"
        case let .unexpectedTensor(path, name):
            "\(path) holds a tensor '\(name)' that belongs to neither the transformer nor the text encoder"
        case let .unreadableDescription(path, why):
            "\(path) has a model description ('\(DemoModelDescription.metadataKey)' metadata) that cannot be read: \(why); the file is damaged or was edited by hand"
        case let .incompleteExport(path):
            "\(path) is a diffusers MM-DiT folder without \(DiffusersFolder.descriptionFileName) and \(DiffusersFolder.textEncoderFileName) (the demo model's vocabulary, settings and text encoder), so it cannot turn prompts into images; copy both from the folder `flowstudio export --diffusers` wrote"
        }
    }
}
