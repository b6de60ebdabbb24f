import Foundation

/// Token ids of pieces already merged, shared by copies of one tokenizer and safe across threads.
/// Bounded: it starts over when it holds `capacity` pieces (prompts repeat a small set of words).
final class CLIPBPECache: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: [String: [Int]] = [:]
    let capacity: Int

    init(capacity: Int = 20_000) { self.capacity = capacity }

    func ids(for piece: String, orMerge merge: (String) -> [Int]) -> [Int] {
        lock.lock()
        let cached = ids[piece]
        lock.unlock()
        if let cached { return cached }
        let merged = merge(piece)
        lock.lock()
        if ids.count >= capacity { ids.removeAll(keepingCapacity: true) }
        ids[piece] = merged
        lock.unlock()
        return merged
    }
}
