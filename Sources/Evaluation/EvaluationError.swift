/// Why an evaluation cannot run.
public enum EvaluationError: Error, CustomStringConvertible, Equatable {
    /// A line of a prompt file is not an evaluation prompt of the Shapes world.
    case invalidPrompt(line: Int, text: String)
    /// The prompt file cannot be read (missing, a FIFO or folder, too large, not UTF-8): the message.
    case unreadablePromptFile(String)

    public var description: String {
        switch self {
        case let .invalidPrompt(line, text):
            "line \(line) of the prompt file (“\(text)”) is not an evaluation prompt of the Shapes world; see `flowstudio eval --help`"
        case let .unreadablePromptFile(message):
            "--prompts: \(message)"
        }
    }
}
