import Foundation
import RectifiedFlow

/// The encoded prompts of the last few runs, so that changing only the steps, seed, CFG or size
/// in the studio does not run the text encoders again (T5-XXL takes seconds to minutes on a CPU).
/// Keyed by the exact prompt text; the least recently used entry goes first. Thread-safe.
public final class PromptEmbeddingCache: @unchecked Sendable {
    // @unchecked: `entries` is only touched under `lock`.
    private let lock = NSLock()
    private var entries: [(prompt: String, conditioning: TextConditioning)] = []
    /// How many prompts are kept (an SD3 prompt is 333 × 4096 floats, 5.5 MB).
    public let capacity: Int

    public init(capacity: Int = 8) {
        self.capacity = max(1, capacity)
    }

    /// The conditioning of `prompt`, from the cache or made by `encode` (and then kept).
    public func conditioning(for prompt: String, encode: (String) throws -> TextConditioning) rethrows -> TextConditioning {
        if let hit = lookUp(prompt) { return hit }
        let made = try encode(prompt)
        lock.withLock {
            entries.removeAll { $0.prompt == prompt }
            entries.append((prompt, made))
            if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
        }
        return made
    }

    /// Whether `prompt` is cached (without touching its age).
    public func contains(_ prompt: String) -> Bool { lock.withLock { entries.contains { $0.prompt == prompt } } }

    private func lookUp(_ prompt: String) -> TextConditioning? {
        lock.withLock {
            guard let i = entries.firstIndex(where: { $0.prompt == prompt }) else { return nil }
            let entry = entries.remove(at: i)
            entries.append(entry)
            return entry.conditioning
        }
    }
}
