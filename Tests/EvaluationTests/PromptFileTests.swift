import TestSupport
import Evaluation
import FlowCore
import Foundation
import Testing

/// `eval --prompts FILE` reads through FlowCore's `ReadableFile`: a FIFO is refused at once,
/// the size is capped, the text must be UTF-8, and the errors are one sentence (not NSError text).
@Suite struct PromptFileTests {
    @Test func promptFilesAreReadAndBadOnesAreOneClearError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prompt-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        let good = dir.appendingPathComponent("prompts.txt")
        try Data("# two\na red circle\ntwo blue squares\n".utf8).write(to: good)
        #expect(try ShapesEvaluation.prompts(contentsOf: good).map(\.text) == ["a red circle", "two blue squares"])

        let fifo = dir.appendingPathComponent("fifo")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        withFIFOWatchdog(fifo.path) {
            #expect(throws: EvaluationError.unreadablePromptFile(
                "\(fifo.path) is a FIFO (named pipe), not a file; give a prompt list (a text file, one prompt per line)")) {
                try ShapesEvaluation.prompts(contentsOf: fifo)
            }
        }
        let missing = dir.appendingPathComponent("missing.txt")
        #expect(throws: EvaluationError.unreadablePromptFile("cannot read \(missing.path): No such file or directory")) {
            try ShapesEvaluation.prompts(contentsOf: missing)
        }
        let latin1 = dir.appendingPathComponent("latin1.txt")
        try Data([0x63, 0x61, 0x66, 0xE9, 0x0A]).write(to: latin1)
        #expect(throws: EvaluationError.unreadablePromptFile(
            "\(latin1.path) is not UTF-8 text; give a prompt list (a text file, one prompt per line)")) {
            try ShapesEvaluation.prompts(contentsOf: latin1)
        }
        let big = dir.appendingPathComponent("big.txt")
        #expect(FileManager.default.createFile(atPath: big.path, contents: nil))
        #expect(truncate(big.path, off_t(ShapesEvaluation.maximumPromptFileSize + 1)) == 0)
        #expect(throws: EvaluationError.self) { try ShapesEvaluation.prompts(contentsOf: big) }
        #expect(EvaluationError.unreadablePromptFile("x").description == "--prompts: x")
    }
}
