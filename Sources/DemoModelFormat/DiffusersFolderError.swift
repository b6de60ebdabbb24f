import Foundation
import FlowCore
import MMDiT
import TextEncoders

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
