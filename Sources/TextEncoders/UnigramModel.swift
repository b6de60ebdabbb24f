/// A SentencePiece unigram vocabulary and its Viterbi segmentation, as `tokenizers`' `Unigram`
/// (the optimised encoder) does it: scores summed in `Double`, a piece replaces an earlier best
/// path to the same end only with a strictly higher score (shorter pieces are tried first), a
/// character no single-character piece covers becomes `<unk>` with score `min(scores) − 10`, and
/// consecutive unknown characters fuse into one `<unk>`.
struct UnigramModel: Sendable {
    /// (piece, score) in id order.
    let pieces: [(piece: String, score: Double)]
    let unknownID: Int
    private let minScore: Double
    /// A byte trie over every piece, its edges in one table: `edges[node << 8 | byte]` is the next
    /// node (the root is 0), `ids[node]` the piece ending there (or −1).
    private var edges: [Int: Int32] = [:]
    private var ids: [Int32] = [-1]

    init(pieces: [(piece: String, score: Double)], unknownID: Int) {
        self.pieces = pieces
        self.unknownID = unknownID
        minScore = pieces.map(\.score).min() ?? 0
        edges.reserveCapacity(pieces.count * 4)
        for (id, entry) in pieces.enumerated() {
            var node = 0
            for byte in entry.piece.utf8 {
                if let next = edges[node << 8 | Int(byte)] { node = Int(next); continue }
                ids.append(-1)
                edges[node << 8 | Int(byte)] = Int32(ids.count - 1)
                node = ids.count - 1
            }
            if ids[node] < 0 { ids[node] = Int32(id) }
        }
    }

    /// One piece of a segmentation: its id and its byte range in the input.
    struct Token { let id: Int; let range: Range<Int> }

    /// The best segmentation of `word` (UTF-8 bytes).
    func encode(_ word: [UInt8]) -> [Token] {
        guard !word.isEmpty else { return [] }
        let n = word.count
        let unknownScore = minScore - 10
        var bestScore = [Double](repeating: 0, count: n + 1)
        var bestStart = [Int](repeating: -1, count: n + 1)
        var bestID = [Int](repeating: 0, count: n + 1)
        var start = 0
        while start < n {
            let base = bestScore[start]
            let charLength = Self.utf8Length(word[start])
            var hasSingle = false
            var node = 0
            var end = start
            while end < n, let next = edges[node << 8 | Int(word[end])] {
                node = Int(next)
                end += 1
                let id = Int(ids[node])
                guard id >= 0 else { continue }
                let candidate = base + pieces[id].score
                if bestStart[end] < 0 || candidate > bestScore[end] {
                    bestScore[end] = candidate; bestStart[end] = start; bestID[end] = id
                }
                if end - start == charLength { hasSingle = true }
            }
            if !hasSingle {
                let end = min(n, start + charLength)
                let candidate = base + unknownScore
                if bestStart[end] < 0 || candidate > bestScore[end] {
                    bestScore[end] = candidate; bestStart[end] = start; bestID[end] = unknownID
                }
            }
            start += charLength
        }
        var tokens: [Token] = []
        var end = n
        while end > 0 {
            let start = bestStart[end], id = bestID[end]
            if id == unknownID, let last = tokens.last, last.id == unknownID {
                tokens[tokens.count - 1] = Token(id: id, range: start..<last.range.upperBound)
            } else {
                tokens.append(Token(id: id, range: start..<end))
            }
            end = start
        }
        return tokens.reversed()
    }

    /// Bytes in the UTF-8 sequence that starts with `lead` (1 for a stray continuation byte).
    private static func utf8Length(_ lead: UInt8) -> Int {
        switch lead {
        case 0..<0x80: 1
        case 0xC0..<0xE0: 2
        case 0xE0..<0xF0: 3
        case 0xF0..<0xF8: 4
        default: 1
        }
    }
}
