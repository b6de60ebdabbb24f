/// Why a CLIP tokenizer could not be read: one error that names the file and what is wrong with it.
public enum CLIPTokenizerError: Error, CustomStringConvertible, Equatable {
    /// A file the tokenizer needs is not there (path, what it would have held).
    case missingFile(String, String)
    /// A file is there but cannot be read (path, the system's reason).
    case unreadable(String, String)
    /// A file does not parse, or its contents do not make a CLIP tokenizer (path, what is wrong).
    case invalid(String, String)

    public var description: String {
        switch self {
        case let .missingFile(path, what):
            "no \(path): \(what)"
        case let .unreadable(path, why):
            "cannot read \(path): \(why)"
        case let .invalid(path, why):
            "\(path): \(why)"
        }
    }
}
