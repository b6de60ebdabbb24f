import FlowCore

/// What can go wrong building or running an MM-DiT; each description says what and where.
public enum MMDiTError: Error, CustomStringConvertible, Equatable {
    /// The config numbers cannot describe a model.
    case invalidConfig(String)
    /// The weights do not look like an MM-DiT (no patch embedding, no blocks, …).
    case cannotDetect(source: String, reason: String)
    /// Strict loading found missing keys, unused keys or shape mismatches (all listed).
    case weightsDoNotMatch(source: String, problems: [String])
    /// A forward input has the wrong shape for this model.
    case inputShape(String)
    /// A diffusers `config.json` (at `source`) describes no model FlowStudio can build.
    case diffusersConfig(source: String, reason: String)
    /// The model cannot be written as a diffusers config (diffusers has no way to say it).
    case notExpressibleInDiffusers(String)

    public var description: String {
        switch self {
        case let .invalidConfig(why):
            return "invalid MM-DiT config: \(why)"
        case let .cannotDetect(source, reason):
            return "\(source) does not look like an SD3 MM-DiT: \(reason)"
        case let .weightsDoNotMatch(source, problems):
            let shown = problems.prefix(12).map { "  - \($0)" }.joined(separator: "\n")
            let more = problems.count > 12 ? "\n  … and \(problems.count - 12) more" : ""
            return "the weights in \(source) do not match the model (\(problems.count) problem\(problems.count == 1 ? "" : "s")):\n\(shown)\(more)"
        case let .inputShape(why):
            return "wrong input shape: \(why)"
        case let .diffusersConfig(source, reason):
            return "\(source): \(reason)"
        case let .notExpressibleInDiffusers(why):
            return "not supported: \(why)"
        }
    }
}
