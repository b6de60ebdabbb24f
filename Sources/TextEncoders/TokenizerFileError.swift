import Foundation

/// A tokenizer file that cannot be used: the file and what is wrong with it, in one sentence.
public struct TokenizerFileError: Error, Equatable, CustomStringConvertible {
    public let file: URL
    public let problem: String

    public init(file: URL, problem: String) {
        self.file = file
        self.problem = problem
    }

    public var description: String { "\(file.path): \(problem)" }

    /// The bytes of `file`, refusing files larger than `limit` (tokenizer files are a few MB).
    static func read(_ file: URL, limit: Int) throws -> [UInt8] {
        let size: Int
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
            size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        } catch {
            throw TokenizerFileError(file: file, problem: "cannot be read (missing or not accessible)")
        }
        guard size <= limit else {
            throw TokenizerFileError(file: file, problem: "is \(size) bytes; a tokenizer file is at most \(limit)")
        }
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw TokenizerFileError(file: file, problem: "cannot be read")
        }
        return [UInt8](data)
    }
}
