import Foundation
import Testing
import TestSupport
import TextEncoders

/// T5's tokenizer against transformers 5 on the prompts of `Tests/Reference/fixtures/tokenizers/`
/// (made by `Tests/Reference/make_t5_tokenizer_fixtures.py`; its README section says what the
/// small model is).
@Suite struct T5TokenizerTests {
    struct Case: Decodable {
        let prompt: String
        let ids: [Int]
        let untruncated_count: Int
        /// The ids with the other tokenizer.json layouts (below), where they differ.
        let legacy_ids: [Int]?
        let converter_ids: [Int]?
    }

    struct Expected: Decodable {
        let length: Int
        let cases: [Case]
    }

    static let expected: Expected = {
        let data = try! Data(contentsOf: ReferenceFixtures.url("tokenizers/t5_expected_ids.json"))
        return try! JSONDecoder().decode(Expected.self, from: data)
    }()

    static func padded(_ ids: [Int], _ length: Int) -> [Int] { ids + [Int](repeating: 0, count: length - ids.count) }

    func check(_ tokenizer: T5Tokenizer, source: String) {
        let expected = Self.expected
        #expect(expected.cases.count >= 200)
        var mismatches: [String] = []
        for c in expected.cases {
            let encoding = tokenizer.encode(c.prompt, length: expected.length)
            if encoding.tokens != Self.padded(c.ids, expected.length) {
                mismatches.append("\(c.prompt.debugDescription): \(encoding.tokens.prefix(c.ids.count + 1)) vs \(c.ids)")
            }
            if encoding.untruncatedCount != c.untruncated_count {
                mismatches.append("\(c.prompt.debugDescription): untruncated \(encoding.untruncatedCount) vs \(c.untruncated_count)")
            }
            if (encoding.untruncatedCount > expected.length) != !encoding.truncatedWords.isEmpty {
                mismatches.append("\(c.prompt.debugDescription): truncated words \(encoding.truncatedWords)")
            }
        }
        #expect(mismatches.isEmpty, "\(source): \(mismatches.count) of \(expected.cases.count) prompts differ; first: \(mismatches.prefix(5))")
    }

    @Test func idsFromSpieceModelAreTransformers() throws {
        check(try T5Tokenizer(sentencePieceModel: ReferenceFixtures.url("tokenizers/t5_spiece.model")), source: "spiece.model")
    }

    @Test func idsFromTokenizerJSONAreTransformers() throws {
        check(try T5Tokenizer(tokenizerJSON: ReferenceFixtures.url("tokenizers/t5_tokenizer.json")), source: "tokenizer.json")
    }

    /// Other `tokenizer.json` layouts over the same vocabulary, ids from `tokenizers`: `legacy`,
    /// transformers 4's (as published SD3 folders ship it: Sequence[Precompiled, Replace(" {2,}",
    /// " ")] and a lone Metaspace), and `converter`, transformers 5's generic SentencePiece
    /// conversion (SentencePiece's whitespace rules as Replaces, one unsplit Metaspace, prepend
    /// `first`).
    @Test(arguments: ["legacy", "converter"]) func idsFromOtherTokenizerJSONLayouts(layout: String) throws {
        let bytes = try Data(contentsOf: ReferenceFixtures.url("tokenizers/t5_tokenizer.json"))
        var spec = try JSONSerialization.jsonObject(with: bytes) as! [String: Any]
        let fixture = try JSONSerialization.jsonObject(
            with: Data(contentsOf: ReferenceFixtures.url("tokenizers/t5_expected_ids.json"))) as! [String: Any]
        let pipeline = (fixture["layouts"] as! [String: Any])[layout] as! [String: Any]
        var normalizer = pipeline["normalizer"] as! [String: Any]
        var steps = normalizer["normalizers"] as! [Any]
        steps[0] = spec["normalizer"]!  // the fixture's charsmap
        normalizer["normalizers"] = steps
        spec["normalizer"] = normalizer
        spec["pre_tokenizer"] = pipeline["pre_tokenizer"]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("t5-\(layout)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("tokenizer.json")
        try JSONSerialization.data(withJSONObject: spec).write(to: file)
        let tokenizer = try T5Tokenizer(tokenizerJSON: file)
        var mismatches: [String] = [], differing = 0
        for c in Self.expected.cases {
            let own = layout == "legacy" ? c.legacy_ids : c.converter_ids
            if own != nil { differing += 1 }
            let expected = Self.padded(own ?? c.ids, Self.expected.length)
            let tokens = tokenizer.encode(c.prompt).tokens
            if tokens != expected { mismatches.append("\(c.prompt.debugDescription): \(tokens.prefix(12)) vs \(expected.prefix(12))") }
        }
        #expect(differing > 0, "the \(layout) layout should change some ids")
        #expect(mismatches.isEmpty, "\(layout): \(mismatches.count) prompts differ; first: \(mismatches.prefix(5))")
    }

    @Test func bothFilesGiveOneTokenizer() throws {
        let a = try T5Tokenizer(sentencePieceModel: ReferenceFixtures.url("tokenizers/t5_spiece.model"))
        let b = try T5Tokenizer(tokenizerJSON: ReferenceFixtures.url("tokenizers/t5_tokenizer.json"))
        #expect(a.vocabularySize == 1100 && b.vocabularySize == 1100)
        #expect(a.padID == 0 && a.eosID == 1 && a.unknownID == 2)
        #expect(b.padID == 0 && b.eosID == 1 && b.unknownID == 2)
    }

    @Test func wordsBeyondTheLengthAreReported() throws {
        let tokenizer = try T5Tokenizer(tokenizerJSON: ReferenceFixtures.url("tokenizers/t5_tokenizer.json"))
        let short = tokenizer.encode("a red cat")
        #expect(short.truncatedWords.isEmpty && short.tokens.count == 256)
        let words = (0..<300).map { "w\($0)" }
        let long = tokenizer.encode(words.joined(separator: " "), length: 16)
        #expect(long.tokens.count == 16 && long.tokens.last == 1)
        #expect(long.untruncatedCount > 16)
        // Every word left out (even partly) is reported once, in order, the last one included.
        #expect(long.truncatedWords.last == "w299")
        #expect(long.truncatedWords.count >= 290 && long.truncatedWords.count <= 299)
        #expect(Set(long.truncatedWords).count == long.truncatedWords.count)
        // Exactly which words: with room for 3 ids, the words whose ids all fit are kept (counted
        // from each word's own encoding), the rest, a partly cut word included, are reported.
        let abc = tokenizer.encode("cat dog bird horse fox", length: 4)
        let perWord = ["cat", "dog", "bird", "horse", "fox"].map { tokenizer.encode($0).untruncatedCount - 1 }
        var fitted = 0, keptWords = 0
        while keptWords < perWord.count, fitted + perWord[keptWords] <= 3 { fitted += perWord[keptWords]; keptWords += 1 }
        #expect(abc.truncatedWords == Array(["cat", "dog", "bird", "horse", "fox"][keptWords...]))
        let exact = tokenizer.encode("a", length: 3)
        #expect(exact.truncatedWords.isEmpty == (exact.untruncatedCount <= 3))
    }

    @Test func unknownCharactersAreReported() throws {
        let tokenizer = try T5Tokenizer(sentencePieceModel: ReferenceFixtures.url("tokenizers/t5_spiece.model"))
        let encoding = tokenizer.encode("a cat 猫猫 sat")
        #expect(encoding.tokens.contains(2))
        #expect(encoding.unknownText.contains { $0.contains("猫") })
    }

    @Test func twoHundredPromptsTakeMilliseconds() throws {
        let tokenizer = try T5Tokenizer(tokenizerJSON: ReferenceFixtures.url("tokenizers/t5_tokenizer.json"))
        let prompts = Self.expected.cases.prefix(200).map(\.prompt)
        let start = Date()
        for p in prompts { _ = tokenizer.encode(p) }
        let seconds = Date().timeIntervalSince(start)
        print("T5Tokenizer: 200 prompts in \(String(format: "%.1f", seconds * 1000)) ms (debug build)")
        // A guard against pathological slowness only: a debug build on two shared cores. An optimised
        // build takes about 10 ms for these prompts (README of Tests/Reference).
        #expect(seconds < 10, "200 prompts took \(seconds) s")
    }
}
