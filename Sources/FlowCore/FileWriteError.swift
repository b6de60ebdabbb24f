/// Why `WritableFile` could not write a file: the path as given and the reason
/// ("it is a directory; …", "cannot create a file in the directory d (Permission denied)").
public struct FileWriteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The path as given.
    public let path: String
    /// What failed, with the system's message in parentheses where there is one.
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "cannot write \(path): \(reason)" }
}
