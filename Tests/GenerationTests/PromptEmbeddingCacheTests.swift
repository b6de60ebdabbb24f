import FlowCore
import Generation
import RectifiedFlow
import Testing

@Suite struct PromptEmbeddingCacheTests {
    func encoding(_ value: Float) -> TextConditioning {
        TextConditioning(context: Tensor(repeating: value, shape: [1, 2, 3]), pooled: Tensor(repeating: value, shape: [1, 2]))
    }

    @Test func encodesEachPromptOnceAndDropsTheLeastRecentlyUsed() throws {
        let cache = PromptEmbeddingCache(capacity: 2)
        var encoded: [String] = []
        func get(_ prompt: String) -> TextConditioning {
            cache.conditioning(for: prompt) { p in
                encoded.append(p)
                return encoding(Float(p.count))
            }
        }
        #expect(get("a cat").context.scalars[0] == 5)
        #expect(get("a cat").context.scalars[0] == 5)
        _ = get("")
        #expect(encoded == ["a cat", ""])
        _ = get("a cat")        // "a cat" is now the most recent…
        _ = get("a red dog")    // …so "" goes
        #expect(cache.contains("a cat") && cache.contains("a red dog") && !cache.contains(""))
        _ = get("")
        #expect(encoded == ["a cat", "", "a red dog", ""])
    }

    @Test func aFailedEncodingIsNotCached() throws {
        struct Failure: Error {}
        let cache = PromptEmbeddingCache()
        #expect(throws: Failure.self) { try cache.conditioning(for: "x") { _ in throw Failure() } }
        #expect(!cache.contains("x"))
    }
}
