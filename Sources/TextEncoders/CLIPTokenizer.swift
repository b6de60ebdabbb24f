/// CLIP's byte-level BPE tokenizer, giving the ids transformers' `CLIPTokenizer` gives as SD3's
/// pipeline calls it (`padding="max_length", max_length=77, truncation=True`): `<|startoftext|>`,
/// at most 75 tokens of the prompt, `<|endoftext|>`, then the pad token up to 77.
///
/// The text is normalized and split by `CLIPPreTokenizer`; each piece's bytes are merged with the
/// BPE merges in rank order, the last symbol of a piece carrying the `</w>` end-of-word suffix.
/// Both CLIPs of SD3 share the vocabulary and differ only in the pad token (`tokenizer/` pads with
/// `<|endoftext|>`, `tokenizer_2/` with `!`); as in transformers, the pad token is a special
/// token, so with `!` as pad token a `!` in the prompt becomes the pad id 0, not `!</w>`.
///
/// Read one with `init(vocabularyURL:mergesURL:padToken:)`, `init(tokenizerJSON:padToken:)` or
/// `init(directory:)`, or take the bundled vocabulary with `bundled(padToken:)`. Encoding is
/// cached per word, so re-encoding a prompt that changed a little costs almost nothing.
public struct CLIPTokenizer: Sendable {
    /// Tokens per sequence, start and end included (CLIP's context length).
    public static let length = 77
    public static let defaultPadToken = CLIPPreTokenizer.endOfText
    /// The suffix the last symbol of every piece carries.
    public static let endOfWordSuffix = "</w>"

    /// Token ids by token text; 49 408 entries for CLIP.
    public let vocabulary: [String: Int]
    /// Number of merges, in rank order (48 894 for CLIP).
    public let mergeCount: Int
    /// `<|startoftext|>` (49406 for CLIP).
    public let startID: Int
    /// `<|endoftext|>` (49407 for CLIP).
    public let endID: Int
    /// The pad token and its id (`<|endoftext|>` 49407 or `!` 0 for SD3).
    public private(set) var padToken: String
    public private(set) var padID: Int

    /// (left id, right id) packed in 64 bits → the merge's rank and the merged token's id.
    private let merges: [UInt64: Merge]
    /// Byte → id of its byte-level character, without and with the end-of-word suffix.
    private let byteIDs: [Int]
    private let finalByteIDs: [Int]
    /// Tokens taken out of the raw text before normalization, by text.
    private var specialIDs: [String: Int]
    private var specialTokens: [String]
    /// Ids of words seen before; each pad token has its own (the pad token is a special token,
    /// so it changes how words that contain it tokenize).
    private var cache = CLIPBPECache()

    private struct Merge: Sendable {
        let rank: Int
        let id: Int
    }

    /// The result of tokenizing a prompt.
    public struct Encoding: Sendable, Equatable {
        /// [77] token ids: start, the prompt's tokens (at most 75), end, padding.
        public let tokens: [Int]
        /// Tokens the prompt needs before truncation, start and end excluded.
        public let promptTokenCount: Int
        /// Words (split on white space, as written) some or all of whose tokens did not fit.
        public let truncatedWords: [String]
    }

    /// A tokenizer from a vocabulary and merges in rank order; `source` names where they were read
    /// for errors. Throws when the special tokens, the byte alphabet, a merged token or the pad
    /// token is missing from the vocabulary.
    public init(vocabulary: [String: Int], merges: [(String, String)], padToken: String = defaultPadToken,
                source: String = "the CLIP vocabulary") throws {
        func id(_ token: String, _ role: String) throws -> Int {
            guard let id = vocabulary[token] else {
                throw CLIPTokenizerError.invalid(source, "the vocabulary has no \(role) '\(token)'")
            }
            return id
        }
        startID = try id(CLIPPreTokenizer.startOfText, "start token")
        endID = try id(CLIPPreTokenizer.endOfText, "end token")
        padID = try id(padToken, "pad token")
        self.padToken = padToken
        specialIDs = Self.specials(startID: startID, endID: endID, padToken: padToken, padID: padID)
        specialTokens = Array(specialIDs.keys)
        byteIDs = try CLIPPreTokenizer.byteAlphabet.map { try id(String($0), "byte-level symbol") }
        finalByteIDs = try CLIPPreTokenizer.byteAlphabet.map { try id(String($0) + Self.endOfWordSuffix, "byte-level symbol") }
        var table: [UInt64: Merge] = [:]
        table.reserveCapacity(merges.count)
        for (rank, (left, right)) in merges.enumerated() {
            let key = Self.key(try id(left, "symbol of merge \(rank + 1)"), try id(right, "symbol of merge \(rank + 1)"))
            let merged = try id(left + right, "merged token of merge \(rank + 1)")
            table[key] = Merge(rank: rank, id: merged)  // a repeated merge keeps its last rank
        }
        self.merges = table
        self.vocabulary = vocabulary
        mergeCount = merges.count
    }

    /// The same vocabulary and merges with another pad token (SD3's second CLIP pads with `!`).
    public func withPadToken(_ padToken: String) throws -> CLIPTokenizer {
        guard let id = vocabulary[padToken] else {
            throw CLIPTokenizerError.invalid("the CLIP vocabulary", "the vocabulary has no pad token '\(padToken)'")
        }
        var copy = self
        copy.padToken = padToken
        copy.padID = id
        copy.specialIDs = Self.specials(startID: startID, endID: endID, padToken: padToken, padID: id)
        copy.specialTokens = Array(copy.specialIDs.keys)
        copy.cache = CLIPBPECache()
        return copy
    }

    private static func specials(startID: Int, endID: Int, padToken: String, padID: Int) -> [String: Int] {
        Dictionary([(CLIPPreTokenizer.startOfText, startID), (CLIPPreTokenizer.endOfText, endID), (padToken, padID)],
                   uniquingKeysWith: { first, _ in first })
    }

    private static func key(_ left: Int, _ right: Int) -> UInt64 {
        UInt64(UInt32(truncatingIfNeeded: left)) << 32 | UInt64(UInt32(truncatingIfNeeded: right))
    }

    /// Tokenizes a prompt to 77 ids, truncating at 75 prompt tokens and reporting the words cut.
    public func encode(_ text: String) -> Encoding {
        let room = Self.length - 2
        var tokens = [startID]
        tokens.reserveCapacity(Self.length)
        var count = 0
        var truncated: [String] = []
        for word in CLIPPreTokenizer.words(of: text) {
            let ids = self.ids(ofWord: word)
            count += ids.count
            let fits = max(0, min(ids.count, room - (tokens.count - 1)))
            tokens += ids.prefix(fits)
            if fits < ids.count { truncated.append(String(word)) }
        }
        tokens.append(endID)
        tokens += [Int](repeating: padID, count: Self.length - tokens.count)
        return Encoding(tokens: tokens, promptTokenCount: count, truncatedWords: truncated)
    }

    /// The token ids of a prompt, start, end and padding left out, and not truncated.
    public func promptTokens(_ text: String) -> [Int] {
        CLIPPreTokenizer.words(of: text).flatMap { ids(ofWord: $0) }
    }

    /// The ids of one word (no white space inside), from the cache when the word was seen before.
    func ids(ofWord word: Substring) -> [Int] {
        cache.ids(for: String(word)) { word in
            CLIPPreTokenizer.pieces(ofWord: Substring(word), specials: specialTokens).flatMap { piece -> [Int] in
                switch piece {
                case let .special(token): [specialIDs[token]!]
                case let .text(text): bytePairEncode(text)
                }
            }
        }
    }

    /// Merges a piece's byte-level symbols: repeatedly the adjacent pair of lowest rank, every
    /// occurrence left to right (the same result as `tokenizers`' queue of (rank, position)).
    func bytePairEncode(_ piece: String) -> [Int] {
        let bytes = Array(piece.utf8)
        guard let last = bytes.last else { return [] }
        var symbols = bytes.dropLast().map { byteIDs[Int($0)] } + [finalByteIDs[Int(last)]]
        while symbols.count > 1 {
            var best: Merge?
            var bestPair: UInt64 = 0
            for i in 0..<(symbols.count - 1) {
                let pair = Self.key(symbols[i], symbols[i + 1])
                if let merge = merges[pair], merge.rank < best?.rank ?? .max {
                    best = merge
                    bestPair = pair
                }
            }
            guard let best else { break }
            var merged: [Int] = []
            merged.reserveCapacity(symbols.count)
            var i = 0
            while i < symbols.count {
                if i + 1 < symbols.count, Self.key(symbols[i], symbols[i + 1]) == bestPair {
                    merged.append(best.id)
                    i += 2
                } else {
                    merged.append(symbols[i])
                    i += 1
                }
            }
            symbols = merged
        }
        return symbols
    }
}
