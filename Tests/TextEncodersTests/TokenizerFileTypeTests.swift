import Foundation
import Testing
import TestSupport
import TextEncoders

/// Tokenizer files go through FlowCore's one reader: a FIFO, a device or a folder given as one is
/// refused at once with one message, never opened and waited on.
@Suite struct TokenizerFileTypeTests {
    func fifo(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        #expect(mkfifo(url.path, 0o600) == 0)
        return url
    }

    @Test func aFIFOAsAT5FileIsRefused() throws {
        for name in ["spiece.model", "tokenizer.json"] {
            let url = try fifo(name)
            defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
            withFIFOWatchdog(url.path) {
                #expect {
                    if name == "spiece.model" { _ = try T5Tokenizer(sentencePieceModel: url) } else { _ = try T5Tokenizer(tokenizerJSON: url) }
                } throws: { error in
                    (error as? TokenizerFileError)?.problem == "is a FIFO (named pipe), not a file"
                }
            }
        }
    }

    @Test func aFIFOOrAFolderAsACLIPFileIsRefused() throws {
        let url = try fifo("vocab.json")
        let folder = url.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: folder) }
        FileManager.default.createFile(atPath: folder.appendingPathComponent("merges.txt").path, contents: Data("#version: 0.2\n".utf8))
        withFIFOWatchdog(url.path) {
            #expect {
                _ = try CLIPTokenizer(vocabularyURL: url, mergesURL: folder.appendingPathComponent("merges.txt"))
            } throws: { error in
                guard case let .unreadable(path, why)? = error as? CLIPTokenizerError else { return false }
                return path == url.path && why.contains("FIFO")
            }
        }
        #expect(throws: CLIPTokenizerError.self) {
            _ = try CLIPTokenizer(vocabularyURL: folder, mergesURL: folder.appendingPathComponent("merges.txt"))
        }
    }
}
