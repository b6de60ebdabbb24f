import Foundation

/// Why a file cannot be used as a demo model.
public enum DemoModelFileError: Error, CustomStringConvertible {
    case notADemoModel(String)
    case unexpectedTensor(String, String)
    case unreadableDescription(String, String)

    public var description: String {
        switch self {
        case let .notADemoModel(path):
            "\(path) is not a FlowStudio demo model (no '\(DemoModelDescription.metadataKey)' metadata); train one with `flowstudio train`"
        case let .unexpectedTensor(path, name):
            "\(path) holds a tensor '\(name)' that belongs to neither the transformer nor the text encoder"
        case let .unreadableDescription(path, why):
            "\(path) has a model description ('\(DemoModelDescription.metadataKey)' metadata) that cannot be read: \(why); the file is damaged or was edited by hand"
        }
    }
}
