import Foundation

/// Token ids of words already tokenized, shared by copies of one tokenizer and safe across threads.
/// Bounded: it starts over when it holds `capacity` words (prompts repeat a small set of words).
final class CLIPBPECache: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: [String: [Int]] = [:]
    let capacity: Int

    init(capacity: Int = 20_000) { self.capacity = capacity }

    func ids(for word: String, orTokenize tokenize: (String) -> [Int]) -> [Int] {
        lock.lock()
        let cached = ids[word]
        lock.unlock()
        if let cached { return cached }
        let merged = tokenize(word)
        lock.lock()
        if ids.count >= capacity { ids.removeAll(keepingCapacity: true) }
        ids[word] = merged
        lock.unlock()
        return merged
    }
}
