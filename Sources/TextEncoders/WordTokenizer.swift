/// The demo model's tokenizer: one token per word of a closed vocabulary.
///
/// Token 0 pads, token 1 (`<cls>`) opens every sequence (its final state is the pooled vector),
/// words follow from 2 in vocabulary order. Sequences have a fixed length, like CLIP's 77 in SD3,
/// and padding is attended to (no mask), as SD3 does with CLIP.
public struct WordTokenizer: Sendable, Equatable {
    public static let padToken = 0
    public static let classToken = 1
    public let words: [String]
    /// Tokens per sequence, `<cls>` included.
    public let length: Int
    private let ids: [String: Int]

    public init(words: [String], length: Int) {
        self.words = words
        self.length = length
        var ids: [String: Int] = [:]
        for (i, w) in words.enumerated() { ids[w] = i + 2 }
        self.ids = ids
    }

    /// Tokens in the vocabulary, specials included.
    public var vocabularySize: Int { words.count + 2 }

    /// The result of tokenizing a prompt.
    public struct Encoding: Sendable, Equatable {
        /// [length] token ids.
        public let tokens: [Int]
        /// Words not in the vocabulary, in prompt order (they are left out of `tokens`).
        public let unknownWords: [String]
        /// Known words that did not fit in the sequence.
        public let truncatedWords: [String]
    }

    /// Splits lower-cased text on anything that is not a letter or digit.
    public static func words(of text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }

    public func encode(_ text: String) -> Encoding {
        var tokens = [Self.classToken]
        var unknown: [String] = [], truncated: [String] = []
        for word in Self.words(of: text) {
            guard let id = ids[word] else { unknown.append(word); continue }
            if tokens.count < length { tokens.append(id) } else { truncated.append(word) }
        }
        tokens += [Int](repeating: Self.padToken, count: length - tokens.count)
        return Encoding(tokens: tokens, unknownWords: unknown, truncatedWords: truncated)
    }
}
