/// Strict loading found problems: every missing key, unused key, shape mismatch or unreadable
/// tensor, each named with its key and both shapes; `source` names the file.
public struct ParameterStoreError: Error, CustomStringConvertible, Equatable {
    /// Where the tensors came from (a file path).
    public let source: String
    /// One line per problem.
    public let problems: [String]

    public var description: String {
        let shown = problems.prefix(12).map { "  - \($0)" }.joined(separator: "\n")
        let more = problems.count > 12 ? "\n  … and \(problems.count - 12) more" : ""
        return "the weights in \(source) do not match the model (\(problems.count) problem\(problems.count == 1 ? "" : "s")):\n\(shown)\(more)"
    }
}
