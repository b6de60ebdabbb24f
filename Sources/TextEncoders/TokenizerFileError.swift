import FlowCore
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

    /// The bytes of `file` through FlowCore's one reader (regular files only, so a FIFO never
    /// blocks; files larger than `limit` refused before reading: tokenizer files are a few MB).
    static func read(_ file: URL, limit: Int) throws -> [UInt8] {
        do {
            return try ReadableFile.bytes(of: file, expected: "a tokenizer file", maximumByteCount: limit)
        } catch let error as FileReadError {
            switch error.reason {
            case .cannotOpen(let why), .readFailed(let why):
                throw TokenizerFileError(file: file, problem: "cannot be read (\(why))")
            case .notAFile(let type):
                throw TokenizerFileError(file: file, problem: "is \(type.name), not a file")
            case let .tooLarge(byteCount, limit):
                throw TokenizerFileError(file: file, problem: "is \(byteCount) bytes; a tokenizer file is at most \(limit)")
            case .notUTF8:
                throw TokenizerFileError(file: file, problem: "is not UTF-8 text")
            }
        }
    }
}
