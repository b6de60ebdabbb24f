import Foundation
import Synchronization
import Testing
import TestSupport
import TextEncoders

/// Token ids against transformers 5.24's `CLIPTokenizer`, from the fixtures that
/// `Tests/Reference/make_clip_tokenizer_fixtures.py` writes (350 prompts, both pad tokens).
@Suite struct CLIPTokenizerTests {
    struct PadFixture: Decodable {
        let pad_id: Int
        let ids: [String]
    }

    struct Fixture: Decodable {
        let prompts: [String]
        let pads: [String: PadFixture]
    }

    struct SmallFixture: Decodable {
        let pad_id: Int
        let bos_id: Int
        let eos_id: Int
        let ids: [String]
    }

    static let fixture: Fixture = {
        let url = ReferenceFixtures.url("tokenizers/clip.json")
        return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }()

    static let small: SmallFixture = {
        let url = ReferenceFixtures.url("tokenizers/clip-small.json")
        return try! JSONDecoder().decode(SmallFixture.self, from: Data(contentsOf: url))
    }()

    static let smallFolder = ReferenceFixtures.url("tokenizers/clip-small")

    /// One tokenizer per pad token, read once: parsing 48 894 merges takes a moment in debug builds.
    static let bundled: [String: CLIPTokenizer] = [
        "<|endoftext|>": try! CLIPTokenizer.bundled(),
        "!": try! CLIPTokenizer.bundled(padToken: "!"),
    ]

    /// The stored ids: trailing padding is left out, so pad back to 77.
    static func expected(_ text: String, padID: Int) -> [Int] {
        let ids = text.split(separator: " ").map { Int($0)! }
        return ids + [Int](repeating: padID, count: CLIPTokenizer.length - ids.count)
    }

    /// Compares every prompt; returns the first mismatches as readable lines.
    static func mismatches(_ tokenizer: CLIPTokenizer, _ expected: [String], padID: Int) -> [String] {
        var lines: [String] = []
        for (prompt, ids) in zip(fixture.prompts, expected) {
            let want = Self.expected(ids, padID: padID)
            let got = tokenizer.encode(prompt).tokens
            if got != want, lines.count < 5 {
                let first = zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? 0
                lines.append("\(prompt.debugDescription): at \(first) got \(Array(got[first...].prefix(6))) want \(Array(want[first...].prefix(6)))")
            }
        }
        return lines
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("clip-tokenizer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The bundled vocabulary written as the published SD3 repos ship it: vocab.json + merges.txt.
    static func writePublishedFiles(to folder: URL, padToken: String?) throws {
        let merges = try String(contentsOf: bundledMergesURL(), encoding: .utf8)
        try merges.write(to: folder.appendingPathComponent("merges.txt"), atomically: true, encoding: .utf8)
        let vocabulary = bundled["<|endoftext|>"]!.vocabulary
        try JSONSerialization.data(withJSONObject: vocabulary).write(to: folder.appendingPathComponent("vocab.json"))
        if let padToken {
            let config: [String: Any] = ["tokenizer_class": "CLIPTokenizer", "pad_token": padToken, "model_max_length": 77]
            try JSONSerialization.data(withJSONObject: config).write(to: folder.appendingPathComponent("tokenizer_config.json"))
        }
    }

    static func bundledMergesURL() -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/TextEncoders/Resources/clip-merges.txt")
    }

    @Test func fixtureCoversTheCasesAskedFor() {
        let prompts = Self.fixture.prompts
        #expect(prompts.count >= 200)
        #expect(prompts.contains("") && prompts.contains("   "))
        #expect(Self.fixture.pads["!"]!.ids.filter { $0.split(separator: " ").count == CLIPTokenizer.length }.count >= 10)
        #expect(Self.fixture.pads["<|endoftext|>"]!.pad_id == 49407 && Self.fixture.pads["!"]!.pad_id == 0)
    }

    @Test(arguments: ["<|endoftext|>", "!"])
    func bundledVocabularyGivesTransformersIds(padToken: String) {
        let pad = Self.fixture.pads[padToken]!
        let tokenizer = Self.bundled[padToken]!
        #expect(tokenizer.vocabulary.count == 49408 && tokenizer.mergeCount == 48894)
        #expect(tokenizer.startID == 49406 && tokenizer.endID == 49407 && tokenizer.padID == pad.pad_id)
        let wrong = Self.mismatches(tokenizer, pad.ids, padID: pad.pad_id)
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "\n"))")
    }

    @Test(arguments: ["<|endoftext|>", "!"])
    func vocabularyAndMergesFilesGiveTransformersIds(padToken: String) throws {
        let folder = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.writePublishedFiles(to: folder, padToken: padToken)
        let pad = Self.fixture.pads[padToken]!
        // The folder reader takes the pad token from tokenizer_config.json.
        let fromFolder = try CLIPTokenizer(directory: folder)
        #expect(fromFolder.padToken == padToken)
        let wrong = Self.mismatches(fromFolder, pad.ids, padID: pad.pad_id)
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "\n"))")
        let fromFiles = try CLIPTokenizer(vocabularyURL: folder.appendingPathComponent("vocab.json"),
                                          mergesURL: folder.appendingPathComponent("merges.txt"), padToken: padToken)
        #expect(Self.mismatches(fromFiles, pad.ids, padID: pad.pad_id).isEmpty)
    }

    /// transformers' own tokenizer.json layout (the small one it wrote) with the full vocabulary and merges.
    @Test(arguments: ["<|endoftext|>", "!"])
    func tokenizerJSONGivesTransformersIds(padToken: String) throws {
        let folder = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var root = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.smallFolder.appendingPathComponent("tokenizer.json"))) as! [String: Any]
        var model = root["model"] as! [String: Any]
        let tokenizer = Self.bundled[padToken]!
        model["vocab"] = tokenizer.vocabulary
        let merges = try String(contentsOf: Self.bundledMergesURL(), encoding: .utf8).split(separator: "\n").dropFirst()
        model["merges"] = merges.map { $0.split(separator: " ").map(String.init) }
        root["model"] = model
        root["added_tokens"] = [["id": 49406, "content": "<|startoftext|>", "special": true],
                                ["id": 49407, "content": "<|endoftext|>", "special": true]]
        var padding = root["padding"] as! [String: Any]
        padding["pad_token"] = padToken
        root["padding"] = padding
        let url = folder.appendingPathComponent("tokenizer.json")
        try JSONSerialization.data(withJSONObject: root).write(to: url)
        let pad = Self.fixture.pads[padToken]!
        let fromJSON = try CLIPTokenizer(tokenizerJSON: url)
        #expect(fromJSON.padToken == padToken)
        let wrong = Self.mismatches(fromJSON, pad.ids, padID: pad.pad_id)
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "\n"))")
    }

    /// The small BPE as transformers wrote it: vocab.json + merges.txt + tokenizer_config.json,
    /// and tokenizer.json on its own (pad `!` from its `padding`).
    @Test func filesTransformersWroteGiveItsIds() throws {
        let small = Self.small
        let fromFolder = try CLIPTokenizer(directory: Self.smallFolder)
        let fromJSON = try CLIPTokenizer(tokenizerJSON: Self.smallFolder.appendingPathComponent("tokenizer.json"))
        for tokenizer in [fromFolder, fromJSON] {
            #expect(tokenizer.padToken == "!" && tokenizer.padID == small.pad_id)
            #expect(tokenizer.startID == small.bos_id && tokenizer.endID == small.eos_id)
            let wrong = Self.mismatches(tokenizer, small.ids, padID: small.pad_id)
            #expect(wrong.isEmpty, "\(wrong.joined(separator: "\n"))")
        }
    }

    /// Published `special_tokens_map.json` files write the pad token as an object.
    @Test func padTokenFromSpecialTokensMap() throws {
        let folder = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["vocab.json", "merges.txt"] {
            try FileManager.default.copyItem(at: Self.smallFolder.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        #expect(try CLIPTokenizer(directory: folder).padToken == "<|endoftext|>")
        let map = #"{"bos_token": {"content": "<|startoftext|>"}, "pad_token": {"content": "!", "lstrip": false, "normalized": false}}"#
        try Data(map.utf8).write(to: folder.appendingPathComponent("special_tokens_map.json"))
        let tokenizer = try CLIPTokenizer(directory: folder)
        #expect(tokenizer.padToken == "!" && tokenizer.padID == 0)
        #expect(tokenizer.encode("wow!").tokens.prefix(5) == [2012, 1613, 342, 0, 2013])  // transformers: the same
    }

    @Test func wordsBeyondTheContextAreReported() throws {
        let tokenizer = Self.bundled["<|endoftext|>"]!
        let fits = tokenizer.encode(Array(repeating: "cat", count: 75).joined(separator: " "))
        #expect(fits.truncatedWords.isEmpty && fits.promptTokenCount == 75)
        #expect(fits.tokens.count == 77 && fits.tokens[0] == 49406 && fits.tokens[76] == 49407)

        let words = (0..<75).map { _ in "cat" } + ["Red", "DOG", "don't"]
        let cut = tokenizer.encode(words.joined(separator: "  "))
        #expect(cut.truncatedWords == ["Red", "DOG", "don't"])
        #expect(cut.promptTokenCount == 79)  // don't → don, 't
        #expect(cut.tokens.count == 77 && cut.tokens[76] == 49407)

        // A word cut in the middle is reported too.
        let middle = tokenizer.encode(Array(repeating: "cat", count: 74).joined(separator: " ") + " don't")
        #expect(middle.truncatedWords == ["don't"])
        #expect(tokenizer.encode("a photo of a cat").truncatedWords.isEmpty)
        #expect(tokenizer.promptTokens("a photo of a cat") == [320, 1125, 539, 320, 2368])
        #expect(tokenizer.promptTokens(String(repeating: "cat ", count: 100)).count == 100)
        #expect(tokenizer.encode("").tokens == [49406] + [Int](repeating: 49407, count: 76))
    }

    @Test func encodingIsFast() throws {
        let tokenizer = try CLIPTokenizer.bundled().withPadToken(CLIPTokenizer.defaultPadToken)  // a fresh cache
        let prompts = Self.fixture.prompts
        let clock = ContinuousClock()
        let cold = clock.measure { for p in prompts { _ = tokenizer.encode(p) } }
        let warm = clock.measure { for p in prompts { _ = tokenizer.encode(p) } }
        print("CLIPTokenizer: \(prompts.count) prompts in \(cold) (empty cache), \(warm) (warm cache)")
        #expect(warm < .seconds(2))
    }

    /// The pad token is special, so each pad token keeps its own word cache.
    @Test func padTokensDoNotShareTheWordCache() throws {
        let first = try CLIPTokenizer.bundled()
        #expect(first.encode("wow!").tokens[2] == 256)  // `!</w>`
        let second = try CLIPTokenizer.bundled(padToken: "!")
        #expect(second.encode("wow!").tokens[2] == 0)  // the pad token
        #expect(first.encode("wow!").tokens[2] == 256)
        #expect(throws: CLIPTokenizerError.invalid("the CLIP vocabulary", "the vocabulary has no pad token '<pad>'")) {
            try first.withPadToken("<pad>")
        }
    }

    /// One tokenizer (and its word cache) used from several threads gives the serial result.
    @Test func encodingFromManyThreadsAgrees() throws {
        let tokenizer = try CLIPTokenizer.bundled(padToken: "!")
        let prompts = Self.fixture.prompts
        let serial = prompts.map { tokenizer.encode($0).tokens }
        let fresh = try CLIPTokenizer.bundled(padToken: "!")
        let mismatches = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: prompts.count * 4) { i in
            if fresh.encode(prompts[i % prompts.count]).tokens != serial[i % prompts.count] {
                mismatches.withLock { $0 += 1 }
            }
        }
        #expect(mismatches.withLock { $0 } == 0)
    }

    // MARK: - Bad files

    @Test func missingFilesAreNamed() throws {
        let folder = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: CLIPTokenizerError.missingFile(folder.appendingPathComponent("vocab.json").path,
                                                        "a CLIP tokenizer folder needs vocab.json + merges.txt, or tokenizer.json")) {
            try CLIPTokenizer(directory: folder)
        }
        let vocab = folder.appendingPathComponent("vocab.json"), merges = folder.appendingPathComponent("merges.txt")
        #expect(throws: CLIPTokenizerError.missingFile(vocab.path, "a CLIP tokenizer file")) {
            try CLIPTokenizer(vocabularyURL: vocab, mergesURL: merges)
        }
        try Data("{}".utf8).write(to: vocab)
        #expect(throws: CLIPTokenizerError.missingFile(merges.path, "a CLIP tokenizer file")) {
            try CLIPTokenizer(vocabularyURL: vocab, mergesURL: merges)
        }
        let error = CLIPTokenizerError.missingFile(merges.path, "a CLIP tokenizer file")
        #expect(error.description.contains("merges.txt"))
    }

    @Test func garbageJSONIsOneClearError() throws {
        let folder = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let json = folder.appendingPathComponent("tokenizer.json")
        try Data("{\"model\": [1, 2,".utf8).write(to: json)
        #expect(throws: CLIPTokenizerError.invalid(json.path, "not valid JSON")) { try CLIPTokenizer(tokenizerJSON: json) }
        try Data("{\"model\": {\"type\": \"Unigram\"}}".utf8).write(to: json)
        #expect(throws: CLIPTokenizerError.invalid(json.path, "model type 'Unigram' is not BPE; this is not a CLIP tokenizer")) {
            try CLIPTokenizer(tokenizerJSON: json)
        }
        try Data("{\"model\": {\"vocab\": {\"a\": 0}}}".utf8).write(to: json)
        #expect(throws: CLIPTokenizerError.invalid(json.path, "no 'model.merges' list")) { try CLIPTokenizer(tokenizerJSON: json) }

        let vocab = folder.appendingPathComponent("vocab.json")
        try Data("not json".utf8).write(to: vocab)
        #expect(throws: CLIPTokenizerError.invalid(vocab.path, "not valid JSON")) {
            try CLIPTokenizer(vocabularyURL: vocab, mergesURL: Self.smallFolder.appendingPathComponent("merges.txt"))
        }
        try Data("[1, 2]".utf8).write(to: vocab)
        #expect(throws: CLIPTokenizerError.invalid(vocab.path, "not a JSON object from token to id")) {
            try CLIPTokenizer(vocabularyURL: vocab, mergesURL: Self.smallFolder.appendingPathComponent("merges.txt"))
        }
        // A folder whose config does not parse says which file.
        try FileManager.default.copyItem(at: Self.smallFolder.appendingPathComponent("tokenizer.json"), to: folder.appendingPathComponent("t.json"))
        let config = folder.appendingPathComponent("tokenizer_config.json")
        try Data("{".utf8).write(to: config)
        #expect(throws: CLIPTokenizerError.invalid(config.path, "not valid JSON")) { try CLIPTokenizer(directory: folder) }
    }

    @Test func mergesThatDoNotParseAreNamed() throws {
        let folder = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let merges = folder.appendingPathComponent("merges.txt")
        let vocab = Self.smallFolder.appendingPathComponent("vocab.json")
        try Data("#version: 0.2\ni n\nt h e\n".utf8).write(to: merges)
        #expect(throws: CLIPTokenizerError.invalid(merges.path, "line 3 is not two symbols separated by a space: 't h e'")) {
            try CLIPTokenizer(vocabularyURL: vocab, mergesURL: merges)
        }
        try Data([0x69, 0x20, 0xFF, 0x0A]).write(to: merges)
        #expect(throws: CLIPTokenizerError.invalid(merges.path, "not UTF-8 text")) {
            try CLIPTokenizer(vocabularyURL: vocab, mergesURL: merges)
        }
        // Merges whose symbols the vocabulary does not have: a vocabulary of another tokenizer.
        try Data("#version: 0.2\nzq xj\n".utf8).write(to: merges)
        #expect(throws: CLIPTokenizerError.invalid("\(vocab.path) + merges.txt", "the vocabulary has no symbol of merge 1 'zq'")) {
            try CLIPTokenizer(vocabularyURL: vocab, mergesURL: merges)
        }
        #expect(throws: CLIPTokenizerError.invalid("\(vocab.path) + merges.txt", "the vocabulary has no pad token '<pad>'")) {
            try CLIPTokenizer(vocabularyURL: vocab, mergesURL: Self.smallFolder.appendingPathComponent("merges.txt"), padToken: "<pad>")
        }
    }
}
