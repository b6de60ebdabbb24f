import Foundation

/// Reading T5's tokenizer from the files people have: SentencePiece's `spiece.model` and
/// transformers' `tokenizer.json`.
extension T5Tokenizer {
    /// Tokenizer files are a few MB (T5-XXL's `spiece.model` 0.8 MB, `tokenizer.json` 2.4 MB).
    static let fileSizeLimit = 64 << 20
    /// Bounds that keep a hostile file from building a huge trie: SentencePiece pieces are at most
    /// 16 characters by default (`max_sentencepiece_length`), vocabularies ~32k–256k pieces.
    static let pieceByteLimit = 256
    static let pieceCountLimit = 1 << 20

    /// The checks both readers make on the vocabulary: a problem, or `nil`.
    static func vocabularyProblem(_ pieces: [(piece: String, score: Double)]) -> String? {
        guard pieces.count <= pieceCountLimit else { return "holds \(pieces.count) pieces; at most \(pieceCountLimit) are read" }
        var seen = Set<String>()
        for (id, p) in pieces.enumerated() {
            if p.piece.utf8.count > pieceByteLimit { return "piece \(id) is \(p.piece.utf8.count) bytes long; at most \(pieceByteLimit) are read" }
            if !p.score.isFinite { return "piece \(id) has the score \(p.score)" }
            if !seen.insert(p.piece).inserted { return "piece \(id) (\(p.piece.debugDescription)) appears twice" }
        }
        return nil
    }

    /// Reads SentencePiece's `ModelProto` (`tokenizer_3/spiece.model`) and builds the tokenizer
    /// transformers builds from it: the pieces with their scores, then `extraIDs` sentinels
    /// `<extra_id_{extraIDs−1}>` … `<extra_id_0>` (score 0), `<unk>` at id 2, the charsmap as
    /// normaliser, whitespace split + `Metaspace(prepend always, split)`.
    public init(sentencePieceModel file: URL, extraIDs: Int = 100) throws {
        precondition(extraIDs >= 0, "extraIDs counts sentinels")
        let bytes = try TokenizerFileError.read(file, limit: Self.fileSizeLimit)
        func fail(_ problem: String) -> TokenizerFileError { TokenizerFileError(file: file, problem: problem) }
        var pieces: [(piece: String, score: Double)] = []
        var charsmap: [UInt8]?
        var modelType: UInt64 = 1  // UNIGRAM is the default
        var hasTrainerSpec = false, hasNormalizerSpec = false
        do {
            var reader = ProtobufReader(bytes[...])
            while let (number, value) = try reader.next() {
                switch (number, value) {
                case (1, .bytes(let message)):  // SentencePiece { piece = 1, score = 2, type = 3 }
                    var piece: String?, score: Float = 0
                    var inner = ProtobufReader(message)
                    while let (n, v) = try inner.next() {
                        switch (n, v) {
                        case (1, .bytes(let text)):
                            guard let s = String(validating: text, as: UTF8.self) else {
                                throw fail("piece \(pieces.count) is not UTF-8: not a SentencePiece model")
                            }
                            piece = s
                        case (2, .fixed32(let bits)): score = Float(bitPattern: bits)
                        default: break
                        }
                    }
                    guard let piece, !piece.isEmpty else { throw fail("piece \(pieces.count) has no text: not a SentencePiece model") }
                    pieces.append((piece, Double(score)))
                case (2, .bytes(let message)):  // TrainerSpec { model_type = 3 }
                    hasTrainerSpec = true
                    var inner = ProtobufReader(message)
                    while let (n, v) = try inner.next() {
                        if n == 3, case .varint(let type) = v { modelType = type }
                    }
                case (3, .bytes(let message)):  // NormalizerSpec { precompiled_charsmap = 2 }
                    hasNormalizerSpec = true
                    var inner = ProtobufReader(message)
                    while let (n, v) = try inner.next() {
                        if n == 2, case .bytes(let blob) = v { charsmap = Array(blob) }
                    }
                case (1, _), (2, _), (3, _):
                    throw fail("field \(number) has the wrong wire type: not a SentencePiece model")
                default: break
                }
            }
        } catch let error as ProtobufReader.Malformed {
            throw fail("is not a SentencePiece model (protobuf: \(error.reason))")
        }
        // SentencePiece writes both specs after the pieces: a file cut short between fields lacks them.
        guard hasTrainerSpec, hasNormalizerSpec else {
            throw fail("has no \(hasTrainerSpec ? "normalizer" : "trainer") spec: not a SentencePiece model, or cut short")
        }
        guard modelType == 1 else {
            let name = [2: "BPE", 3: "word", 4: "character"][Int(modelType)] ?? "type \(modelType)"
            throw fail("is a SentencePiece \(name) model; T5 needs a unigram model")
        }
        guard !pieces.isEmpty else { throw fail("holds no pieces: not a SentencePiece model") }
        for i in stride(from: extraIDs - 1, through: 0, by: -1) { pieces.append(("<extra_id_\(i)>", 0)) }
        if let problem = Self.vocabularyProblem(pieces) { throw fail(problem) }
        var ids: [String: Int] = [:]
        for (id, p) in pieces.enumerated() where ids[p.piece] == nil { ids[p.piece] = id }
        guard let eos = ids["</s>"], let pad = ids["<pad>"], pieces.count > 2, pieces[2].piece == "<unk>" else {
            throw fail("lacks T5's special pieces (<pad>, </s>, and <unk> at id 2)")
        }
        var normalizer: [NormalizerStep] = []
        if let charsmap, !charsmap.isEmpty {
            do { normalizer.append(.precompiled(try PrecompiledCharsMap(charsmap))) } catch let error as PrecompiledCharsMap.Invalid {
                throw fail(error.reason)
            }
        }
        let specials = ["<pad>", "</s>", "<unk>"].map { ($0, ids[$0]!) }
            + (0..<extraIDs).map { ("<extra_id_\($0)>", ids["<extra_id_\($0)>"]!) }
        self.init(model: UnigramModel(pieces: pieces, unknownID: 2), normalizer: normalizer,
                  preTokenizer: [.whitespaceSplit, .metaspace(prepend: .always, split: true)],
                  specialTokens: specials, padID: pad, eosID: eos)
    }

    /// Reads transformers' `tokenizer.json` for T5 (a `Unigram` model; the `Precompiled`
    /// normaliser, alone or in a `Sequence` with the whitespace `Replace`s SentencePiece
    /// converters write; `WhitespaceSplit` and/or `Metaspace` pre-tokenisers). The special tokens
    /// are its `added_tokens`; `</s>` and `<pad>` must be among them or in the vocabulary.
    public init(tokenizerJSON file: URL) throws {
        let bytes = try TokenizerFileError.read(file, limit: Self.fileSizeLimit)
        func fail(_ problem: String) -> TokenizerFileError { TokenizerFileError(file: file, problem: problem) }
        guard let root = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
            throw fail("is not a JSON object: not a tokenizer.json")
        }
        guard let model = root["model"] as? [String: Any] else { throw fail("has no \"model\": not a tokenizer.json") }
        guard let type = model["type"] as? String, type == "Unigram" else {
            throw fail("has a \((model["type"] as? String).map { "\"\($0)\"" } ?? "untyped") model; T5 needs \"Unigram\"")
        }
        guard let vocab = model["vocab"] as? [Any], !vocab.isEmpty else { throw fail("has no unigram vocabulary (model.vocab)") }
        var pieces: [(piece: String, score: Double)] = []
        pieces.reserveCapacity(vocab.count)
        for (i, entry) in vocab.enumerated() {
            guard let pair = entry as? [Any], pair.count == 2, let piece = pair[0] as? String, !piece.isEmpty,
                  let score = (pair[1] as? NSNumber)?.doubleValue else {
                throw fail("model.vocab[\(i)] is not a [piece, score] pair")
            }
            pieces.append((piece, score))
        }
        if let problem = Self.vocabularyProblem(pieces) { throw fail(problem) }
        guard let unk = (model["unk_id"] as? NSNumber)?.intValue, unk >= 0, unk < pieces.count else {
            throw fail("model.unk_id is missing or outside the vocabulary")
        }
        if (model["byte_fallback"] as? Bool) == true { throw fail("uses byte fallback, which T5 does not (unsupported)") }

        var normalizer: [NormalizerStep] = []
        func addNormalizer(_ spec: [String: Any]) throws {
            switch spec["type"] as? String {
            case "Precompiled":
                guard let base64 = spec["precompiled_charsmap"] as? String, let blob = Data(base64Encoded: base64) else {
                    throw fail("the Precompiled normalizer's charsmap is not base64")
                }
                do { normalizer.append(.precompiled(try PrecompiledCharsMap([UInt8](blob)))) } catch let error as PrecompiledCharsMap.Invalid {
                    throw fail(error.reason)
                }
            case "Sequence":
                for step in spec["normalizers"] as? [[String: Any]] ?? [] { try addNormalizer(step) }
            case "Replace":
                let pattern = spec["pattern"] as? [String: Any]
                let content = spec["content"] as? String
                switch (pattern?["Regex"] as? String, pattern?["String"] as? String, content) {
                case (" {2,}", nil, " "): normalizer.append(.collapseSpaces)
                case ("\\A +| +\\z", nil, ""): normalizer.append(.trimSpaces)
                case (nil, " ", "▁"): normalizer.append(.spacesToMetaspace)
                default: throw fail("has a Replace normalizer FlowStudio does not know (\(pattern ?? [:]) → \(content ?? "nil"))")
                }
            case let other:
                throw fail("has a normalizer FlowStudio does not support: \(other ?? "untyped")")
            }
        }
        if let spec = root["normalizer"] as? [String: Any] { try addNormalizer(spec) }

        var preTokenizer: [PreTokenizerStep] = []
        func addPreTokenizer(_ spec: [String: Any]) throws {
            switch spec["type"] as? String {
            case "WhitespaceSplit": preTokenizer.append(.whitespaceSplit)
            case "Metaspace":
                guard (spec["replacement"] as? String ?? "▁") == "▁" else { throw fail("Metaspace's replacement is not ▁") }
                let prepend: Prepend
                switch spec["prepend_scheme"] as? String {
                case "always": prepend = .always
                case "first": prepend = .first
                case "never": prepend = .never
                case nil: prepend = (spec["add_prefix_space"] as? Bool ?? true) ? .always : .never
                case let other?: throw fail("Metaspace's prepend_scheme \"\(other)\" is unknown")
                }
                preTokenizer.append(.metaspace(prepend: prepend, split: spec["split"] as? Bool ?? true))
            case "Sequence":
                for step in spec["pretokenizers"] as? [[String: Any]] ?? [] { try addPreTokenizer(step) }
            case let other:
                throw fail("has a pre-tokenizer FlowStudio does not support: \(other ?? "untyped")")
            }
        }
        if let spec = root["pre_tokenizer"] as? [String: Any] { try addPreTokenizer(spec) }

        var specials: [(String, Int)] = []
        for entry in root["added_tokens"] as? [[String: Any]] ?? [] {
            guard let content = entry["content"] as? String, let id = (entry["id"] as? NSNumber)?.intValue,
                  id >= 0, id < pieces.count else { throw fail("an added token has no content or an id outside the vocabulary") }
            specials.append((content, id))
        }
        func id(_ token: String) -> Int? {
            specials.first { $0.0 == token }?.1 ?? pieces.firstIndex { $0.piece == token }
        }
        guard let eos = id("</s>"), let pad = id("<pad>") else { throw fail("lacks T5's </s> or <pad> token") }
        self.init(model: UnigramModel(pieces: pieces, unknownID: unk), normalizer: normalizer,
                  preTokenizer: preTokenizer, specialTokens: specials, padID: pad, eosID: eos)
    }
}
