import Foundation
import Testing
import FlowCore
import TestSupport

/// FlowCore's attention options (causal mask, additive score bias, custom scale) and the CLIP
/// activations against their plain-loop double-precision twins.
@Suite struct AttentionOptionsTests {
    func random(_ shape: [Int], _ rng: inout SplitMix64, scale: Float = 1) -> Tensor {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -1...1, using: &rng) * scale })
    }

    /// 150 tokens: more than the 128-row blocks, so a causal block sees a partial key range.
    @Test(arguments: [(false, false, nil as Float?), (true, false, nil), (false, true, 1), (true, true, 0.3)])
    func attentionMatchesItsTwin(causal: Bool, bias: Bool, scale: Float?) {
        var rng = SplitMix64(seed: 7)
        let (b, t, heads, dh) = (2, 150, 3, 8)
        let q = random([b, t, heads * dh], &rng), k = random([b, t, heads * dh], &rng), v = random([b, t, heads * dh], &rng)
        let scoreBias = bias ? random([heads, t, t], &rng, scale: 3) : nil
        let fast = attention(q: q, k: k, v: v, heads: heads, scale: scale, scoreBias: scoreBias, causal: causal)
        let naive = naiveAttention(q: q, k: k, v: v, heads: heads, scale: scale.map(Double.init), scoreBias: scoreBias, causal: causal)
        let c = compare(fast, naive, relative: 1e-5)
        #expect(c.ok, "\(c)")
    }

    @Test func causalRowZeroSeesOnlyItself() {
        var rng = SplitMix64(seed: 3)
        let q = random([1, 5, 4], &rng), k = random([1, 5, 4], &rng), v = random([1, 5, 4], &rng)
        let out = attention(q: q, k: k, v: v, heads: 1, causal: true)
        for j in 0..<4 { #expect(out[0, 0, j] == v[0, 0, j]) }
    }

    @Test func activationsMatchTheirTwins() {
        let x = Tensor(shape: [4001], scalars: (0...4000).map { Float($0 - 2000) / 250 })  // −8 … 8
        #expect(compare(quickGELU(x), naiveQuickGELU(x), relative: 1e-6).ok)
        let c = compare(geluErf(x), naiveGeluErf(x), relative: 1e-6)
        #expect(c.ok, "\(c)")
    }
}
