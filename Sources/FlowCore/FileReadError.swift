/// Why `ReadableFile` could not open or read a file. The description names the file, says what
/// is wrong and what to give instead.
public struct FileReadError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Reason: Equatable, Sendable {
        /// `open` or `fstat` failed (the system's message: "No such file or directory", …).
        case cannotOpen(String)
        /// The path names a FIFO, a device, a directory…: reading it could block forever or never end.
        case notAFile(FileType)
        /// The file is larger than the caller accepts.
        case tooLarge(byteCount: Int, limit: Int)
        /// `read` failed (the system's message).
        case readFailed(String)
        /// The file is not UTF-8 text (from `ReadableFile.text`).
        case notUTF8
    }

    /// The path as given.
    public let path: String
    public let reason: Reason
    /// What the caller expected, with its article: "a safetensors file", "a PNG file".
    public let expected: String

    public init(path: String, reason: Reason, expected: String) {
        self.path = path
        self.reason = reason
        self.expected = expected
    }

    public var description: String {
        switch reason {
        case .cannotOpen(let why):
            "cannot read \(path): \(why)"
        case .notAFile(let type):
            "\(path) is \(type.name), not a file; give \(expected)"
        case .tooLarge(let byteCount, let limit):
            "\(path) is \(Self.size(byteCount)), larger than \(expected) may be (at most \(Self.size(limit)))"
        case .readFailed(let why):
            "cannot read \(path): \(why)"
        case .notUTF8:
            "\(path) is not UTF-8 text; give \(expected)"
        }
    }

    /// "812 bytes", "5.2 MB", "100 MB".
    static func size(_ bytes: Int) -> String {
        guard bytes >= 1_000_000 else { return bytes >= 10_000 ? "\(bytes / 1000) kB" : "\(bytes) bytes" }
        if bytes >= 100_000_000 { return "\(Int((Double(bytes) / 1e6).rounded())) MB" }
        let tenths = (Double(bytes) / 1e5).rounded()  // in 0.1 MB
        return tenths.truncatingRemainder(dividingBy: 10) == 0 ? "\(Int(tenths / 10)) MB" : "\(tenths / 10) MB"
    }
}
