import Foundation

/// T5's tokenizer (SD3's third text encoder, `tokenizer_3/`): SentencePiece unigram with its
/// normaliser, giving exactly the ids of transformers' `T5Tokenizer` as
/// `StableDiffusion3Pipeline._get_t5_prompt_embeds` calls it (`padding="max_length"`,
/// `max_length=256`, `truncation=True`, `add_special_tokens=True`).
///
/// The steps, as transformers 5 / `tokenizers` run them:
/// 1. special tokens (`<pad>`, `</s>`, `<unk>`, `<extra_id_N>`) are cut out of the raw text
///    (leftmost, longest first) and kept as single ids;
/// 2. the rest is normalised: the model's precompiled charsmap (`nmt_nfkc` for T5), see
///    `PrecompiledCharsMap`, plus the whitespace rewrites a `tokenizer.json` may list;
/// 3. pre-tokenised: split on Unicode whitespace, `▁` prepended to each word, words split again
///    before each `▁` (`Metaspace`);
/// 4. each piece is segmented by Viterbi over the pieces' scores (`UnigramModel`), unknown
///    characters becoming `<unk>` (id 2);
/// 5. truncated to `length − 1` ids, `</s>` (id 1) appended, padded with `<pad>` (id 0).
///
/// Read it from `spiece.model` (`init(sentencePieceModel:)`) or `tokenizer.json`
/// (`init(tokenizerJSON:)`); both give the same ids.
public struct T5Tokenizer: Sendable {
    /// The length SD3 uses (`max_sequence_length` of the pipeline).
    public static let sd3Length = 256

    /// Normalisation steps after the charsmap, as a `tokenizer.json` may list them.
    enum NormalizerStep: Sendable {
        case precompiled(PrecompiledCharsMap)
        /// `Replace(Regex(" {2,}"), " ")`
        case collapseSpaces
        /// `Replace(Regex("\A +| +\z"), "")`
        case trimSpaces
        /// `Replace(" ", "▁")`
        case spacesToMetaspace
    }

    /// Pre-tokenisation steps.
    enum PreTokenizerStep: Sendable {
        /// Split on Unicode whitespace (Rust's `char::is_whitespace`), dropping it.
        case whitespaceSplit
        /// Spaces become `▁`; `▁` is prepended (`always`, or for `first` only when the text's first
        /// character is the prompt's first, as `tokenizers` decides it from offsets);
        /// with `split`, the word is cut before every `▁`.
        case metaspace(prepend: Prepend, split: Bool)
    }

    enum Prepend: Sendable { case always, first, never }

    let model: UnigramModel
    let normalizer: [NormalizerStep]
    let preTokenizer: [PreTokenizerStep]
    /// Special tokens matched in the raw text, longest first.
    let specialTokens: [(content: [UInt8], id: Int)]
    public let padID: Int
    public let eosID: Int
    public var unknownID: Int { model.unknownID }
    /// Pieces in the vocabulary, special tokens and sentinels included.
    public var vocabularySize: Int { model.pieces.count }

    init(model: UnigramModel, normalizer: [NormalizerStep], preTokenizer: [PreTokenizerStep],
         specialTokens: [(content: String, id: Int)], padID: Int, eosID: Int) {
        self.model = model
        self.normalizer = normalizer
        self.preTokenizer = preTokenizer
        self.specialTokens = specialTokens.filter { !$0.content.isEmpty }
            .map { (Array($0.content.utf8), $0.id) }
            .sorted { $0.content.count > $1.content.count }
        self.padID = padID
        self.eosID = eosID
    }

    /// The result of tokenizing a prompt.
    public struct Encoding: Sendable, Equatable {
        /// [length] token ids: the prompt's, `</s>`, then `<pad>`.
        public let tokens: [Int]
        /// Ids the prompt needs before truncation, `</s>` included.
        public let untruncatedCount: Int
        /// Words (as normalised, whitespace-separated) whose tokens did not all fit, in prompt order.
        public let truncatedWords: [String]
        /// Text that became `<unk>`, in prompt order.
        public let unknownText: [String]
    }

    /// Tokenizes `text` to exactly `length` ids (`length` ≥ 1).
    public func encode(_ text: String, length: Int = T5Tokenizer.sd3Length) -> Encoding {
        precondition(length >= 1, "a T5 sequence holds at least </s>")
        var ids: [Int] = []
        var wordOfToken: [Int] = []
        var words: [String] = []
        var unknown: [String] = []
        for segment in split(text) {
            switch segment {
            case .special(let id, let content):
                words.append(content)
                ids.append(id)
                wordOfToken.append(words.count - 1)
            case .text(let part, let atStart):
                let (normalized, keepsStart) = normalize(part)
                for (word, pieces) in preTokenize(normalized, atStart: atStart && keepsStart) {
                    words.append(word)
                    for piece in pieces {
                        for token in model.encode(piece) {
                            ids.append(token.id)
                            wordOfToken.append(words.count - 1)
                            if token.id == model.unknownID {
                                unknown.append(String(decoding: piece[token.range], as: UTF8.self))
                            }
                        }
                    }
                }
            }
        }
        let kept = min(ids.count, length - 1)
        var truncated: [String] = []
        if kept < ids.count {
            var seen = Set<Int>()
            for w in wordOfToken[kept...] where seen.insert(w).inserted { truncated.append(words[w]) }
        }
        var tokens = Array(ids[..<kept])
        tokens.append(eosID)
        tokens += [Int](repeating: padID, count: length - tokens.count)
        return Encoding(tokens: tokens, untruncatedCount: ids.count + 1, truncatedWords: truncated,
                        unknownText: unknown)
    }

    private enum Segment {
        case text(Substring.UTF8View.SubSequence, atStart: Bool)
        case special(id: Int, content: String)
    }

    /// The raw text cut around special tokens (leftmost match, the longest at that position).
    private func split(_ text: String) -> [Segment] {
        let utf8 = Array(text.utf8)
        guard !specialTokens.isEmpty else { return [.text(text.utf8[...], atStart: true)] }
        var segments: [Segment] = []
        var textStart = 0, i = 0
        while i < utf8.count {
            var matched: (content: [UInt8], id: Int)?
            for special in specialTokens where special.content.count <= utf8.count - i {
                if utf8[i] == special.content[0] && utf8[i..<i + special.content.count].elementsEqual(special.content) {
                    matched = special
                    break
                }
            }
            if let special = matched {
                if textStart < i { segments.append(.text(slice(text, textStart, i), atStart: textStart == 0)) }
                segments.append(.special(id: special.id, content: String(decoding: special.content, as: UTF8.self)))
                i += special.content.count
                textStart = i
            } else {
                i += 1
            }
        }
        if textStart < utf8.count { segments.append(.text(slice(text, textStart, utf8.count), atStart: textStart == 0)) }
        return segments
    }

    private func slice(_ text: String, _ from: Int, _ to: Int) -> Substring.UTF8View.SubSequence {
        let u = text.utf8
        return u[u.index(u.startIndex, offsetBy: from)..<u.index(u.startIndex, offsetBy: to)]
    }

    /// The normalised text, and whether its first character comes from the part's first
    /// character (see `PrecompiledCharsMap.normalize`).
    func normalize(_ part: Substring.UTF8View.SubSequence) -> (String, keepsStart: Bool) {
        var s = String(Substring(part))
        var keepsStart = true
        for step in normalizer {
            switch step {
            case .precompiled(let map):
                let result = map.normalize(s)
                s = result.text
                keepsStart = keepsStart && result.keepsStart
            case .collapseSpaces:
                var out = String.UnicodeScalarView()
                for c in s.unicodeScalars where !(c == " " && out.last == " ") { out.append(c) }
                s = String(out)
            case .trimSpaces:
                let scalars = s.unicodeScalars
                if let first = scalars.firstIndex(where: { $0 != " " }), let last = scalars.lastIndex(where: { $0 != " " }) {
                    keepsStart = keepsStart && first == scalars.startIndex
                    s = String(scalars[first...last])
                } else {
                    s = ""
                }
            case .spacesToMetaspace:
                s = s.replacingOccurrences(of: " ", with: "▁")
            }
        }
        return (s, keepsStart)
    }

    private static let metaspace = Array("▁".utf8)

    /// Words (for reports) and the UTF-8 pieces each is segmented as. `atStart`: the text's first
    /// character is the prompt's first (for `prepend: .first`).
    func preTokenize(_ text: String, atStart: Bool) -> [(word: String, pieces: [[UInt8]])] {
        var atStart = atStart
        var words: [(word: String, pieces: [[UInt8]])] = [(text, [Array(text.utf8)])]
        for step in preTokenizer {
            switch step {
            case .whitespaceSplit:
                // After leading whitespace the first word no longer starts at the prompt's start.
                if words.first?.word.unicodeScalars.first?.properties.isWhitespace == true { atStart = false }
                words = words.flatMap { entry in
                    entry.word.unicodeScalars.split(whereSeparator: { $0.properties.isWhitespace })
                        .map { w in (String(w), [Array(String(w).utf8)]) }
                }
            case .metaspace(let prepend, let split):
                var result: [(word: String, pieces: [[UInt8]])] = []
                for (index, entry) in words.enumerated() {
                    var pieces: [[UInt8]] = []
                    for var piece in entry.pieces where !piece.isEmpty {  // empty text yields no token
                        piece = Self.replaceSpaces(piece)
                        let wanted = prepend == .always || (prepend == .first && atStart && index == 0 && pieces.isEmpty)
                        if wanted && !piece.starts(with: Self.metaspace) { piece = Self.metaspace + piece }
                        pieces += split ? Self.splitBeforeMetaspace(piece) : [piece]
                    }
                    result.append((entry.word, pieces))
                }
                words = result
            }
        }
        return words
    }

    private static func replaceSpaces(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(0x20) else { return bytes }
        return bytes.flatMap { $0 == 0x20 ? metaspace : [$0] }
    }

    /// `tokenizers`' split on `▁` with `MergedWithNext`: each `▁` starts a new piece.
    private static func splitBeforeMetaspace(_ bytes: [UInt8]) -> [[UInt8]] {
        var pieces: [[UInt8]] = []
        var current: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if i + 3 <= bytes.count, bytes[i] == 0xE2, bytes[i + 1] == 0x96, bytes[i + 2] == 0x81 {
                if !current.isEmpty { pieces.append(current) }
                current = metaspace
                i += 3
            } else {
                current.append(bytes[i])
                i += 1
            }
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }
}
