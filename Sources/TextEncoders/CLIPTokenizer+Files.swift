import FlowCore
import Foundation

/// Reading CLIP tokenizers from the files people have: `vocab.json` + `merges.txt` (the published
/// SD3 repos), `tokenizer.json` (what transformers 5 writes), a tokenizer folder with its
/// `tokenizer_config.json`, and the vocabulary bundled with FlowStudio.
extension CLIPTokenizer {
    /// From `vocab.json` (token → id) and `merges.txt` (`#version` header, one merge a line).
    public init(vocabularyURL: URL, mergesURL: URL, padToken: String = defaultPadToken) throws {
        let vocabulary = try Self.readVocabulary(vocabularyURL)
        let merges = try Self.readMerges(mergesURL)
        try self.init(vocabulary: vocabulary, merges: merges, padToken: padToken,
                      source: "\(vocabularyURL.path) + \(mergesURL.lastPathComponent)")
    }

    /// From a `tokenizer.json` holding a BPE model (`model.vocab`, `model.merges` as pairs or as
    /// "a b" strings, `added_tokens`). The pad token is `padToken`, else the file's
    /// `padding.pad_token`, else `<|endoftext|>`.
    public init(tokenizerJSON url: URL, padToken: String? = nil) throws {
        let path = url.path
        guard let root = try Self.readJSON(url) as? [String: Any] else {
            throw CLIPTokenizerError.invalid(path, "not a JSON object")
        }
        guard let model = root["model"] as? [String: Any] else {
            throw CLIPTokenizerError.invalid(path, "no 'model' object")
        }
        if let type = model["type"] as? String, type != "BPE" {
            throw CLIPTokenizerError.invalid(path, "model type '\(type)' is not BPE; this is not a CLIP tokenizer")
        }
        if let suffix = model["end_of_word_suffix"] as? String, suffix != Self.endOfWordSuffix {
            throw CLIPTokenizerError.invalid(path, "end-of-word suffix '\(suffix)' is not CLIP's '\(Self.endOfWordSuffix)'")
        }
        guard let vocabularyObject = model["vocab"] as? [String: Any] else {
            throw CLIPTokenizerError.invalid(path, "no 'model.vocab' object")
        }
        var vocabulary: [String: Int] = [:]
        vocabulary.reserveCapacity(vocabularyObject.count)
        for (token, value) in vocabularyObject {
            guard let id = value as? Int else { throw CLIPTokenizerError.invalid(path, "model.vocab['\(token)'] is not an integer id") }
            vocabulary[token] = id
        }
        for case let added as [String: Any] in root["added_tokens"] as? [Any] ?? [] {
            if let content = added["content"] as? String, let id = added["id"] as? Int { vocabulary[content] = id }
        }
        guard let mergeList = model["merges"] as? [Any] else {
            throw CLIPTokenizerError.invalid(path, "no 'model.merges' list")
        }
        var merges: [(String, String)] = []
        merges.reserveCapacity(mergeList.count)
        for (i, entry) in mergeList.enumerated() {
            if let pair = entry as? [String], pair.count == 2 {
                merges.append((pair[0], pair[1]))
            } else if let text = entry as? String, let pair = Self.mergePair(text) {
                merges.append(pair)
            } else {
                throw CLIPTokenizerError.invalid(path, "model.merges[\(i)] is not a pair of symbols")
            }
        }
        let filePad = (root["padding"] as? [String: Any])?["pad_token"] as? String
        try self.init(vocabulary: vocabulary, merges: merges, padToken: padToken ?? filePad ?? Self.defaultPadToken,
                      source: path)
    }

    /// From a tokenizer folder (diffusers' `tokenizer/` or `tokenizer_2/`): `vocab.json` +
    /// `merges.txt` when both are there, else `tokenizer.json`; the pad token as
    /// `tokenizer_config.json` or `special_tokens_map.json` say, else `<|endoftext|>`.
    public init(directory: URL) throws {
        let file = { (name: String) in directory.appendingPathComponent(name) }
        let exists = { (name: String) in FileManager.default.fileExists(atPath: file(name).path) }
        var padToken: String?
        for name in ["tokenizer_config.json", "special_tokens_map.json"] where padToken == nil && exists(name) {
            guard let object = try Self.readJSON(file(name)) as? [String: Any] else {
                throw CLIPTokenizerError.invalid(file(name).path, "not a JSON object")
            }
            // A plain string, or an added-token object {"content": …} (older transformers).
            padToken = object["pad_token"] as? String ?? (object["pad_token"] as? [String: Any])?["content"] as? String
        }
        if exists("vocab.json") && exists("merges.txt") {
            try self.init(vocabularyURL: file("vocab.json"), mergesURL: file("merges.txt"), padToken: padToken ?? Self.defaultPadToken)
        } else if exists("tokenizer.json") {
            try self.init(tokenizerJSON: file("tokenizer.json"), padToken: padToken)
        } else {
            let missing = exists("vocab.json") ? "merges.txt" : exists("merges.txt") ? "vocab.json" : "vocab.json"
            throw CLIPTokenizerError.missingFile(file(missing).path,
                                                 "a CLIP tokenizer folder needs vocab.json + merges.txt, or tokenizer.json")
        }
    }

    /// The merges bundled with FlowStudio (`Resources/clip-merges.txt`, from open_clip's
    /// `bpe_simple_vocab_16e6.txt.gz`, MIT), with the vocabulary CLIP builds from them: the 256
    /// byte-level symbols, the same with `</w>`, one token per merge, `<|startoftext|>`,
    /// `<|endoftext|>` (49 408 tokens). For single-file models that come without tokenizer files.
    /// Read once per process (about 0.3 s in a release build); later calls copy it.
    public static func bundled(padToken: String = defaultPadToken) throws -> CLIPTokenizer {
        let tokenizer = try bundledDefault.get()
        return padToken == tokenizer.padToken ? tokenizer : try tokenizer.withPadToken(padToken)
    }

    private static let bundledDefault = Result<CLIPTokenizer, any Error> {
        guard let url = Bundle.module.url(forResource: "clip-merges", withExtension: "txt") else {
            throw CLIPTokenizerError.missingFile("clip-merges.txt", "the CLIP vocabulary should be bundled with FlowStudio; reinstall it")
        }
        let merges = try readMerges(url)
        var vocabulary: [String: Int] = [:]
        vocabulary.reserveCapacity(2 * 256 + merges.count + 2)
        for token in CLIPPreTokenizer.byteAlphabetInVocabularyOrder.map({ String($0) })
            + CLIPPreTokenizer.byteAlphabetInVocabularyOrder.map({ String($0) + endOfWordSuffix })
            + merges.map({ $0.0 + $0.1 }) + [CLIPPreTokenizer.startOfText, CLIPPreTokenizer.endOfText] {
            vocabulary[token] = vocabulary.count
        }
        return try CLIPTokenizer(vocabulary: vocabulary, merges: merges, source: url.path)
    }

    // MARK: - Files

    static func readData(_ url: URL) throws -> Data {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CLIPTokenizerError.missingFile(url.path, "a CLIP tokenizer file")
        }
        // FlowCore's one reader: regular files only (a FIFO never blocks), at most 64 MB.
        do {
            return try ReadableFile.data(of: url, expected: "a CLIP tokenizer file", maximumByteCount: 64 << 20)
        } catch let error as FileReadError {
            throw CLIPTokenizerError.unreadable(url.path, error.description)
        }
    }

    static func readJSON(_ url: URL) throws -> Any {
        let data = try readData(url)
        do { return try JSONSerialization.jsonObject(with: data) } catch {
            throw CLIPTokenizerError.invalid(url.path, "not valid JSON")
        }
    }

    /// `vocab.json`: a JSON object from token to integer id.
    static func readVocabulary(_ url: URL) throws -> [String: Int] {
        guard let object = try readJSON(url) as? [String: Any] else {
            throw CLIPTokenizerError.invalid(url.path, "not a JSON object from token to id")
        }
        var vocabulary: [String: Int] = [:]
        vocabulary.reserveCapacity(object.count)
        for (token, value) in object {
            guard let id = value as? Int else { throw CLIPTokenizerError.invalid(url.path, "the id of '\(token)' is not an integer") }
            vocabulary[token] = id
        }
        return vocabulary
    }

    /// `merges.txt`: an optional `#version` line, then one merge a line, two symbols and a space.
    static func readMerges(_ url: URL) throws -> [(String, String)] {
        let data = try readData(url)
        guard let text = String(data: data, encoding: .utf8) else {
            throw CLIPTokenizerError.invalid(url.path, "not UTF-8 text")
        }
        var merges: [(String, String)] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = line.hasSuffix("\r") ? line.dropLast() : line
            if line.isEmpty || (i == 0 && line.hasPrefix("#version")) { continue }
            guard let pair = mergePair(line) else {
                throw CLIPTokenizerError.invalid(url.path, "line \(i + 1) is not two symbols separated by a space: '\(line.prefix(40))'")
            }
            merges.append(pair)
        }
        guard !merges.isEmpty else { throw CLIPTokenizerError.invalid(url.path, "no merges") }
        return merges
    }

    static func mergePair<S: StringProtocol>(_ line: S) -> (String, String)? {
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (String(parts[0]), String(parts[1]))
    }
}
