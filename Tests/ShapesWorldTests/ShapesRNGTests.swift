import Testing
@testable import ShapesWorld

struct ShapesRNGTests {
    /// Vigna's splitmix64.c with x = 0; the same numbers come from this Python one-liner:
    /// `M=2**64-1; s=0` then three times `s=(s+0x9E3779B97F4A7C15)&M; z=s;
    /// z=((z^(z>>30))*0xBF58476D1CE4E5B9)&M; z=((z^(z>>27))*0x94D049BB133111EB)&M; print(hex(z^(z>>31)))`.
    @Test func matchesSplitMix64ReferenceOutputs() {
        var rng = ShapesRNG(seed: 0)
        #expect(rng.next() == 0xE220_A839_7B1D_CDAF)
        #expect(rng.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(rng.next() == 0x06C4_5D18_8009_454F)
    }

    @Test func boundedDrawsStayInRangeAndCoverIt() {
        var rng = ShapesRNG(seed: 42)
        var seen = Set<Int>()
        for _ in 0..<2000 {
            let v = rng.below(7)
            #expect((0..<7).contains(v))
            seen.insert(v)
            let u = rng.unit()
            #expect(u >= 0 && u < 1)
            let j = rng.uniform(-0.03, 0.03)
            #expect(j >= -0.03 && j < 0.03)
        }
        #expect(seen.count == 7)
    }

    @Test func indexedStreamsAreDeterministicAndDistinct() {
        var a = ShapesRNG(seed: 5, index: 10), b = ShapesRNG(seed: 5, index: 10)
        var c = ShapesRNG(seed: 5, index: 11), d = ShapesRNG(seed: 6, index: 10)
        let first = a.next()
        #expect(first == b.next())
        #expect(first != c.next())
        #expect(first != d.next())
    }

    @Test func shuffleIsAPermutation() {
        var rng = ShapesRNG(seed: 9)
        let items = Array(0..<20)
        let shuffled = rng.shuffled(items)
        #expect(shuffled.sorted() == items)
        #expect(shuffled != items)
    }
}
