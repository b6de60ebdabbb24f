/// Words of a prompt the text encoder does not read: words outside its vocabulary, and words
/// past the number of tokens it reads. Front ends show them; they are never dropped silently.
public struct IgnoredWords: Equatable, Sendable {
    public var unknown: [String]
    public var pastLimit: [String]

    public init(unknown: [String] = [], pastLimit: [String] = []) {
        self.unknown = unknown
        self.pastLimit = pastLimit
    }

    public var isEmpty: Bool { unknown.isEmpty && pastLimit.isEmpty }

    /// "word 'dog' is not in this model's vocabulary", "the prompt is longer than this model
    /// reads: 'and', 'a', … are ignored", both joined by "; ", or nil when nothing is ignored.
    /// Each word is listed once, at most five of each kind.
    public var message: String? {
        var parts: [String] = []
        let unknown = Self.unique(self.unknown), pastLimit = Self.unique(self.pastLimit)
        if !unknown.isEmpty {
            let quoted = Self.quote(unknown)
            parts.append(unknown.count == 1 ? "word \(quoted) is not in this model's vocabulary"
                                            : "words \(quoted) are not in this model's vocabulary")
        }
        if !pastLimit.isEmpty {
            parts.append("the prompt is longer than this model reads: \(Self.quote(pastLimit)) \(pastLimit.count == 1 ? "is" : "are") ignored")
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    /// Each word once, in order of first appearance.
    static func unique(_ words: [String]) -> [String] {
        var seen = Set<String>()
        return words.filter { seen.insert($0).inserted }
    }

    static func quote(_ words: [String]) -> String {
        words.prefix(5).map { "'\($0)'" }.joined(separator: ", ") + (words.count > 5 ? ", …" : "")
    }
}
