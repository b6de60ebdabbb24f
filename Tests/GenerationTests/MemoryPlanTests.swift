import FlowCore
import MMDiT
import Testing
@testable import Generation

/// How a model shares memory, from the estimate, and the refusal before loading.
@Suite struct MemoryPlanTests {
    /// SD3.5-medium's components in float32 (GB): MM-DiT 9.9, CLIP-L 0.5, CLIP-G 2.8, T5 19.0, VAE 0.3.
    func estimate(available: Int?, t5: Bool = true) -> SD3MemoryEstimate {
        let gb = 1_000_000_000
        var bytes: [(component: SD3Component, bytes: Int)] = [(.transformer, 9_900_000_000), (.clipL, gb / 2),
                                                               (.clipG, 2_800_000_000), (.vae, 300_000_000)]
        if t5 { bytes.append((.t5, 19 * gb)) }
        return SD3MemoryEstimate(componentBytes: bytes, transformer: MMDiTConfig(depth: 24), width: 512, height: 512,
                                 batch: 2, availableBytes: available)
    }

    @Test func thePlanFollowsWhatFits() {
        let gb = 1_000_000_000
        #expect(MemoryPlan(estimate(available: nil)) == .keepEverything)       // unknown: no plan to make
        #expect(MemoryPlan(estimate(available: 64 * gb)) == .keepEverything)
        #expect(MemoryPlan(estimate(available: 23 * gb, t5: false)) == .keepEverything)
        #expect(MemoryPlan(estimate(available: 13_600_000_000, t5: false)) == .releaseEncoders)  // 13.9 GB in all
        #expect(MemoryPlan(estimate(available: 12 * gb, t5: false)) == .releaseTransformerToEncode)
        #expect(MemoryPlan(estimate(available: 23 * gb)) == .releaseTransformerToEncode)  // T5 + MM-DiT > 23 GB
        #expect(MemoryPlan(estimate(available: 8 * gb)) == .doesNotFit)
    }

    @Test func notEnoughMemoryGivesTheNumbers() {
        let error = SD3LoadError.notEnoughMemory(estimate(available: 8_000_000_000).description)
        let text = "\(error)"
        #expect(text.hasPrefix("not enough memory for this model in float32: MM-DiT 9.90 GB, CLIP-L 0.50 GB, CLIP-G 2.80 GB, VAE 0.30 GB, T5-XXL 19.00 GB;"))
        #expect(text.contains("available 8.00 GB") && text.contains("--no-t5"))
    }
}
