import Foundation
import Testing
import TestSupport
import TextEncoders

/// Bad tokenizer files: one `TokenizerFileError` naming the file, never a crash or a hang.
@Suite struct T5TokenizerFileErrorTests {
    static let model = ReferenceFixtures.url("tokenizers/t5_spiece.model")
    static let json = ReferenceFixtures.url("tokenizers/t5_tokenizer.json")

    /// A file in a fresh temporary directory holding `bytes`.
    func temporaryFile(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("t5-tokenizer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    func problem(_ body: () throws -> T5Tokenizer, file: URL) -> String? {
        do {
            _ = try body()
            return nil
        } catch let error as TokenizerFileError {
            #expect(error.file == file)
            #expect(error.description.contains(file.lastPathComponent))
            return error.problem
        } catch {
            Issue.record("not a TokenizerFileError: \(error)")
            return nil
        }
    }

    @Test func missingFiles() {
        let missing = URL(fileURLWithPath: "/nonexistent/tokenizer_3/spiece.model")
        #expect(problem({ try T5Tokenizer(sentencePieceModel: missing) }, file: missing)?.contains("cannot be read") == true)
        let missingJSON = URL(fileURLWithPath: "/nonexistent/tokenizer_3/tokenizer.json")
        #expect(problem({ try T5Tokenizer(tokenizerJSON: missingJSON) }, file: missingJSON)?.contains("cannot be read") == true)
    }

    @Test func truncatedModelsAreRefused() throws {
        let bytes = [UInt8](try Data(contentsOf: Self.model))
        var cuts = [0, 1, 2, 5, 17, 100, 1000, 5000, bytes.count / 2, bytes.count - 100, bytes.count - 1]
        var generator = SplitMix64(seed: 11)
        cuts += (0..<20).map { _ in Int.random(in: 0..<bytes.count, using: &generator) }
        for cut in cuts {
            let file = try temporaryFile("spiece.model", Array(bytes[..<cut]))
            let message = problem({ try T5Tokenizer(sentencePieceModel: file) }, file: file)
            #expect(message != nil, "a model cut at \(cut) of \(bytes.count) bytes was accepted")
        }
    }

    @Test func garbageIsNotAModel() throws {
        var generator = SplitMix64(seed: 7)
        for length in [3, 64, 1000, 50_000] {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let file = try temporaryFile("spiece.model", bytes)
            let message = problem({ try T5Tokenizer(sentencePieceModel: file) }, file: file)
            #expect(message?.contains("not a SentencePiece model") == true, "\(length) random bytes: \(message ?? "accepted")")
        }
        let text = try temporaryFile("spiece.model", Array("{\"model\": {\"type\": \"Unigram\"}}".utf8))
        #expect(problem({ try T5Tokenizer(sentencePieceModel: text) }, file: text) != nil)
    }

    @Test func aBPEModelIsNamed() throws {
        // The fixture with one more TrainerSpec field (protobuf merges it): model_type = BPE (2).
        let bytes = [UInt8](try Data(contentsOf: Self.model)) + [0x12, 0x02, 0x18, 0x02]
        let file = try temporaryFile("spiece.model", bytes)
        #expect(problem({ try T5Tokenizer(sentencePieceModel: file) }, file: file) == "is a SentencePiece BPE model; T5 needs a unigram model")
    }

    @Test func badTokenizerJSON() throws {
        let cases: [(String, String)] = [
            ("not json at all", "not a JSON object"),
            ("[1, 2, 3]", "not a JSON object"),
            ("{\"model\": {\"type\": \"BPE\", \"vocab\": {}, \"merges\": []}}", "\"BPE\" model; T5 needs \"Unigram\""),
            ("{\"model\": {\"type\": \"Unigram\", \"vocab\": [], \"unk_id\": 0}}", "no unigram vocabulary"),
            ("{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\"]], \"unk_id\": 0}}", "model.vocab[0]"),
            ("{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", -1.0]], \"unk_id\": 5}}", "unk_id"),
            ("{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", -1.0], [\"a\", -2.0]], \"unk_id\": 0}}", "appears twice"),
            ("{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"\(String(repeating: "x", count: 100_000))\", -1.0]], \"unk_id\": 0}}",
             "piece 0 is 100000 bytes long"),
        ]
        for (text, expected) in cases {
            let file = try temporaryFile("tokenizer.json", Array(text.utf8))
            let message = problem({ try T5Tokenizer(tokenizerJSON: file) }, file: file)
            #expect(message?.contains(expected) == true, "\(text): \(message ?? "accepted")")
        }
        // The fixture's tokenizer.json cut in half, and with a broken charsmap.
        let bytes = [UInt8](try Data(contentsOf: Self.json))
        let half = try temporaryFile("tokenizer.json", Array(bytes[..<(bytes.count / 2)]))
        #expect(problem({ try T5Tokenizer(tokenizerJSON: half) }, file: half)?.contains("not a JSON object") == true)
        var object = try JSONSerialization.jsonObject(with: Data(bytes)) as! [String: Any]
        object["normalizer"] = ["type": "Precompiled", "precompiled_charsmap": "AAAA"]
        let broken = try temporaryFile("tokenizer.json", [UInt8](try JSONSerialization.data(withJSONObject: object)))
        #expect(problem({ try T5Tokenizer(tokenizerJSON: broken) }, file: broken)?.contains("precompiled_charsmap") == true)
    }

    /// A charsmap with a valid header and random trie units (its strings ASCII) must not crash
    /// the normaliser: every walk is bounds-checked.
    @Test func aRandomCharsmapNeverCrashes() throws {
        let bytes = [UInt8](try Data(contentsOf: Self.json))
        var object = try JSONSerialization.jsonObject(with: Data(bytes)) as! [String: Any]
        var generator = SplitMix64(seed: 3)
        for units in [1, 7, 300, 5000] {
            var blob: [UInt8] = [UInt8(truncatingIfNeeded: 4 * units), UInt8(truncatingIfNeeded: (4 * units) >> 8), 0, 0]
            blob += (0..<(4 * units)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            blob += (0..<200).map { _ in UInt8(truncatingIfNeeded: 0x20 + generator.next() % 95) } + [0]
            object["normalizer"] = ["type": "Precompiled", "precompiled_charsmap": Data(blob).base64EncodedString()]
            let file = try temporaryFile("tokenizer.json", [UInt8](try JSONSerialization.data(withJSONObject: object)))
            let tokenizer = try T5Tokenizer(tokenizerJSON: file)
            for prompt in ["a photo of a cat", "café ＡＢＣ ｶﾞ 🐱 一只猫", String(repeating: "é", count: 500)] {
                #expect(tokenizer.encode(prompt).tokens.count == 256)
            }
        }
    }
}
