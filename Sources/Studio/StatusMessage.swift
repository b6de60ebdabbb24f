/// The status line's message.
public enum StatusMessage: Equatable, Sendable {
    case info(String)
    case warning(String)
    case error(String)
    /// A finished run: the text starts with `done`.
    case done(String)

    public var text: String {
        switch self {
        case let .info(t), let .warning(t), let .error(t), let .done(t): t
        }
    }

    /// The same kind of message with other text.
    public func replacingText(_ text: String) -> StatusMessage {
        switch self {
        case .info: .info(text)
        case .warning: .warning(text)
        case .error: .error(text)
        case .done: .done(text)
        }
    }
}
