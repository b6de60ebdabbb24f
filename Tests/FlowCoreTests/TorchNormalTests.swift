import Foundation
import Testing
@testable import FlowCore
import TestSupport

// `--noise torch` against values torch 2.15.0 wrote (`Tests/Reference/make_noise_fixtures.py`,
// fixture `torch_randn.safetensors`): for each seed and shape,
//
//   torch.manual_seed(seed); torch.randn(shape)        # CPU, float32, contiguous
//
// whole when it has at most 1024 elements, else its first, middle and last 256 values.

@Suite struct TorchNormalTests {
    static let fixtureName = "torch_randn.safetensors"

    /// (seed, shape) parsed from a fixture name `randn/seed=S/shape=AxBxC`.
    static func parse(_ name: String) -> (seed: UInt64, shape: [Int])? {
        let parts = name.split(separator: "/")
        guard parts.count == 3, parts[0] == "randn",
              let seed = UInt64(parts[1].dropFirst("seed=".count)) else { return nil }
        let shape = parts[2].dropFirst("shape=".count).split(separator: "x").compactMap { Int($0) }
        return (seed, shape)
    }

    /// The flat positions the fixture stores for a tensor of `count` elements.
    static func storedPositions(count: Int) -> [Int] {
        guard count > 1024 else { return Array(0..<count) }
        let middle = count / 2 - 128
        return Array(0..<256) + Array(middle..<middle + 256) + Array(count - 256..<count)
    }

    @Test func everyStoredValueEqualsTorchBitForBit() throws {
        let file = try ReferenceFixtures.open(Self.fixtureName)
        #expect(file.metadata["torch_version"]?.hasPrefix("2.15.0") == true)
        var tensors = 0, values = 0
        var mismatches: [String] = []
        var mismatchCount = 0
        var maxUlps: UInt32 = 0
        for name in file.names {
            guard let (seed, shape) = Self.parse(name) else { continue }
            let reference = try file.tensor(name).scalars
            let count = shape.reduce(1, *)
            let ours = NoiseSource.torch.gaussian(shape: shape, seed: seed)
            #expect(ours.shape == shape)
            let positions = Self.storedPositions(count: count)
            try #require(positions.count == reference.count, "\(name): \(reference.count) stored values")
            for (k, p) in positions.enumerated() {
                let a = ours.scalars[p], b = reference[k]
                if a.bitPattern != b.bitPattern {
                    let ulps = a.bitPattern > b.bitPattern ? a.bitPattern - b.bitPattern : b.bitPattern - a.bitPattern
                    maxUlps = max(maxUlps, ulps)
                    mismatchCount += 1
                    if mismatches.count < 8 { mismatches.append("\(name)[\(p)]: \(a) vs torch \(b)") }
                }
            }
            tensors += 1
            values += positions.count
        }
        #expect(tensors == 78)
        #expect(values == 21_204)
        #expect(mismatches.isEmpty, "\(mismatchCount) of \(values) differ, by at most \(maxUlps) ulps; \(mismatches.joined(separator: "; "))")
    }

    /// The larger check `make_noise_fixtures.py --sweep PATH` writes (not committed): whole tensors,
    /// 60 seeds × 134 shapes, 21.8 million values. Runs when FLOWSTUDIO_TORCH_SWEEP names the file.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["FLOWSTUDIO_TORCH_SWEEP"] != nil))
    func everyValueOfTheSweepEqualsTorch() throws {
        let path = try #require(ProcessInfo.processInfo.environment["FLOWSTUDIO_TORCH_SWEEP"])
        let file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: path))
        var values = 0, mismatches = 0
        for name in file.names {
            let (seed, shape) = try #require(Self.parse(name))
            let reference = try file.tensor(name).scalars
            let ours = TorchNormal.randn(count: shape.reduce(1, *), seed: seed)
            mismatches += zip(ours, reference).filter { $0.bitPattern != $1.bitPattern }.count
            values += reference.count
        }
        print("torch.randn sweep: \(file.names.count) tensors, \(values) values, \(mismatches) differ")
        #expect(values > 0 && mismatches == 0)
    }

    @Test func mt19937MatchesTheWordsTorchDraws() throws {
        let file = try ReferenceFixtures.open(Self.fixtureName)
        for seed: UInt64 in [0, 42, 1 << 32 + 7] {
            let words = try #require(file.metadata["mt19937/seed=\(seed)"]).split(separator: " ").map { UInt32($0)! }
            #expect(words.count == 640)
            var mt = MT19937(seed: seed)
            let ours = (0..<words.count).map { _ in mt.next() }
            #expect(ours == words, "seed \(seed)")
        }
    }

    // The reference MT19937 (init_genrand) from seed 5489, as in C++ std::mt19937:
    // its first output is 3499211612 and its 10000th is 4123659995 (the value the C++
    // standard requires of `std::mt19937`).
    @Test func mt19937KnownAnswers() {
        var mt = MT19937(seed: 5489)
        #expect(mt.next() == 3_499_211_612)
        for _ in 1..<9999 { _ = mt.next() }
        #expect(mt.next() == 4_123_659_995)
    }

    @Test func seedsAboveThirtyTwoBitsKeepTheirLowBits() {
        #expect(TorchNormal.randn(count: 33, seed: 1 << 32 | 42) == TorchNormal.randn(count: 33, seed: 42))
        #expect(TorchNormal.randn(count: 7, seed: UInt64.max) == TorchNormal.randn(count: 7, seed: 0xffff_ffff))
    }

    @Test func random64PutsTheFirstWordHigh() {
        var a = MT19937(seed: 42), b = MT19937(seed: 42)
        let first = UInt64(b.next()), second = UInt64(b.next())
        #expect(a.next64() == first << 32 | second)
    }

    @Test func philoxStaysTheDefaultAndUnchanged() {
        #expect(NoiseSource.default == .philox)
        #expect(NoiseSource.philox.gaussian(shape: [1, 3, 8, 8], seed: 7) == Noise.gaussian(shape: [1, 3, 8, 8], seed: 7))
    }

    // Cephes-style log and sincos against libm on their Box–Muller ranges: a few ulps at most
    // (the bit-exact check against torch is the fixture test above).
    @Test func cephesLogAndSinCosAreAccurate() {
        var worstLog: Float = 0, worstTrig: Float = 0
        for k in 1...4096 {
            let u = Float(k) / 4096
            worstLog = max(worstLog, abs(CephesFloat.log(u) - Foundation.log(u)) / max(abs(Foundation.log(u)), 1e-6).ulp)
            let theta = Float(2 * Double.pi) * Float(k - 1) / 4096
            let (s, c) = CephesFloat.sincos(theta)
            worstTrig = max(worstTrig, abs(s - Foundation.sin(theta)), abs(c - Foundation.cos(theta)))
        }
        #expect(worstLog <= 4)
        #expect(worstTrig <= 2e-7)
        #expect(CephesFloat.log(0).isNaN && CephesFloat.log(-1).isNaN)
    }
}
