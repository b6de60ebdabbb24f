/// What can go wrong building or running SD3's text encoders (CLIP, T5) and assembling their
/// outputs; each description says what is wrong and where.
public enum TextModelError: Error, CustomStringConvertible, Equatable {
    /// The config numbers cannot describe a model.
    case invalidConfig(String)
    /// A `config.json` (at `source`) cannot be read or describes no model FlowStudio can run.
    case configFile(source: String, reason: String)
    /// The weights do not look like the expected encoder (no embedding, no layers, …).
    case cannotDetect(source: String, reason: String)
    /// Strict loading found missing keys, unused keys or shape mismatches (all listed).
    case weightsDoNotMatch(source: String, problems: [String])
    /// An input (token ids, an encoder output) has the wrong length, width or values.
    case input(String)

    public var description: String {
        switch self {
        case let .invalidConfig(why):
            return "invalid text encoder config: \(why)"
        case let .configFile(source, reason):
            return "\(source): \(reason)"
        case let .cannotDetect(source, reason):
            return "cannot read the text encoder's shape from \(source): \(reason)"
        case let .weightsDoNotMatch(source, problems):
            let shown = problems.prefix(12).map { "  - \($0)" }.joined(separator: "\n")
            let more = problems.count > 12 ? "\n  … and \(problems.count - 12) more" : ""
            return "the weights in \(source) do not match the text encoder (\(problems.count) problem\(problems.count == 1 ? "" : "s")):\n\(shown)\(more)"
        case let .input(why):
            return "text encoder input: \(why)"
        }
    }
}
