import Testing
@testable import FlowCore

// Expected values below come from an independent Python implementation of the same
// construction (Philox4x32-10 + RandomConversion), run with numpy 2.4:
//
//   M0,M1,W0,W1 = 0xD2511F53,0xCD9E8D57,0x9E3779B9,0xBB67AE85
//   def philox(c, k):
//       for r in range(10):
//           if r: k = [(k[0]+W0) & 0xffffffff, (k[1]+W1) & 0xffffffff]
//           p0, p1 = M0*c[0], M1*c[2]
//           c = [(p1>>32)^c[1]^k[0], p1 & 0xffffffff, (p0>>32)^c[3]^k[1], p0 & 0xffffffff]
//       return c
//   block = lambda seed, s, i: philox([i & 0xffffffff, i>>32, s & 0xffffffff, s>>32],
//                                     [seed & 0xffffffff, seed>>32])
//   def bm(a, b):
//       u1, u2 = (a+0.5)/2**32, (b+0.5)/2**32
//       r = np.sqrt(-2*np.log(u1)); th = 2*np.pi*u2
//       return np.float32(r*np.cos(th)), np.float32(r*np.sin(th))

@Suite struct RandomSourceTests {
    // Random123 `kat_vectors`, lines "philox4x32 10 CTR[4] KEY[2] EXPECTED[4]".
    static let knownAnswers: [((UInt32, UInt32, UInt32, UInt32), (UInt32, UInt32), (UInt32, UInt32, UInt32, UInt32))] = [
        ((0, 0, 0, 0), (0, 0), (0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8)),
        ((0xffff_ffff, 0xffff_ffff, 0xffff_ffff, 0xffff_ffff), (0xffff_ffff, 0xffff_ffff),
         (0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd)),
        ((0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344), (0xa409_3822, 0x299f_31d0),
         (0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1)),
    ]

    @Test func philoxMatchesRandom123KnownAnswers() {
        for (counter, key, expected) in Self.knownAnswers {
            let got = Philox4x32.bijection(counter: counter, key: key)
            #expect(got == expected)
            // The same through the seeded API: key = seed, counter = (block, stream).
            let seed = UInt64(key.1) << 32 | UInt64(key.0)
            let block = UInt64(counter.1) << 32 | UInt64(counter.0)
            let stream = UInt64(counter.3) << 32 | UInt64(counter.2)
            #expect(Philox4x32(seed: seed, stream: stream).block(block) == expected)
        }
    }

    @Test func wordsWalkBlocksLaneByLane() {
        let philox = Philox4x32(seed: 42, stream: 0)
        #expect(philox.block(0) == (0x9cea_f053, 0x77f5_493b, 0x12bf_50ad, 0x5742_b3d7))
        var rng = PhiloxRandom(seed: 42)
        for b in 0..<3 as Range<UInt64> {
            let (w0, w1, w2, w3) = philox.block(b)
            #expect([rng.nextUInt32(), rng.nextUInt32(), rng.nextUInt32(), rng.nextUInt32()] == [w0, w1, w2, w3])
        }
        #expect(rng.wordIndex == 12)
    }

    @Test func uniformIsOpenIntervalAndExact() {
        #expect(RandomConversion.uniform(0) == 0x1p-24)
        #expect(RandomConversion.uniform(.max) == 1 - 0x1p-24)
        #expect(RandomConversion.uniform(1 << 31) == 0.5 + 0x1p-24)
        // Symmetric under u ↦ 1 − u (complementing the top 23 bits), with no rounding.
        for w: UInt32 in [0, 511, 512, 0x1234_5678, 0x9cea_f053, .max] {
            #expect(RandomConversion.uniform(w) + RandomConversion.uniform(~w) == 1)
        }
        // Python: ((w >> 9) + 0.5) / 2**23 for the words of block 0 of seed 42.
        var rng = PhiloxRandom(seed: 42)
        let expected: [Float] = [0x1.39d5e2p-1, 0x1.dfd524p-2, 0x1.2bf510p-4, 0x1.5d0accp-2]
        #expect((0..<4).map { _ in rng.nextUniform() } == expected)
    }

    @Test func normalsMatchIndependentPythonImplementation() {
        // Python: [v for i in range(2) for w in [block(seed, s, i)] for v in bm(w[0],w[1]) + bm(w[2],w[3])]
        let cases: [(seed: UInt64, stream: UInt64, normals: [Float])] = [
            (42, 0, [-0x1.f0bcb8p-1, 0x1.8d59d0p-3, -0x1.3c51a4p+0, 0x1.ec8676p+0,
                     -0x1.2bc060p-4, 0x1.1cf41ep-3, -0x1.1b4e66p+0, 0x1.4e85fap-2]),
            (2024, 3, [0x1.eeee3ep-5, 0x1.8d0f8ap-1, 0x1.977e26p-1, -0x1.195598p+1,
                       0x1.234ff6p-5, -0x1.d8f884p-3, -0x1.70d75cp-1, -0x1.da8086p-3]),
        ]
        for c in cases {
            var rng = PhiloxRandom(seed: c.seed, stream: c.stream)
            #expect((0..<8).map { _ in rng.nextNormal() } == c.normals)
            let noise = Noise.gaussian(shape: [1, 8], seed: c.seed, firstStream: c.stream)
            #expect(noise.scalars == c.normals)
        }
    }

    @Test func itemNoiseDoesNotDependOnBatchSize() {
        let seed: UInt64 = 0xDEAD_BEEF
        let small = Noise.gaussian(shape: [2, 3, 5, 7], seed: seed) // [B, C, H, W]
        let large = Noise.gaussian(shape: [6, 3, 5, 7], seed: seed)
        let perItem = 3 * 5 * 7
        #expect(Array(large.scalars.prefix(2 * perItem)) == small.scalars)
        // Item 4 of the batch of six is stream 4, also alone.
        let alone = Noise.gaussian(shape: [1, 3, 5, 7], seed: seed, firstStream: 4)
        #expect(Array(large.scalars[(4 * perItem)..<(5 * perItem)]) == alone.scalars)
        // Different streams and different seeds give different noise.
        #expect(Array(large.scalars[0..<perItem]) != Array(large.scalars[perItem..<(2 * perItem)]))
        #expect(Noise.gaussian(shape: [1, 105], seed: seed + 1).scalars != alone.scalars)
    }

    @Test(arguments: [1, 3, 7, 4096])
    func parallelFillEqualsSerialTwin(chunkBlocks: Int) {
        // 1001 elements per item: not a multiple of 4, so the last block is partial.
        for shape in [[3, 1001], [1, 4], [5, 1], [2, 13, 17]] {
            let parallel = Noise.gaussian(shape: shape, seed: 7, chunkBlocks: chunkBlocks)
            let serial = Noise.gaussianSerial(shape: shape, seed: 7)
            #expect(parallel.shape == shape)
            #expect(parallel.scalars == serial.scalars, "shape \(shape), chunkBlocks \(chunkBlocks)")
        }
    }

    @Test func momentsOfNormalsAndUniforms() {
        let n = 100_000
        let z = Noise.gaussian(shape: [1, n], seed: 123).scalars.map(Double.init)
        let mean = z.reduce(0, +) / Double(n)
        let variance = z.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        // Standard errors: mean 1/sqrt(n) ≈ 0.0032; variance sqrt(2/n) ≈ 0.0045 (normal kurtosis).
        // Allow 5 standard errors (a false alarm has probability below 1e-6).
        #expect(abs(mean) < 5 / Double(n).squareRoot())
        #expect(abs(variance - 1) < 5 * (2 / Double(n)).squareRoot())
        // Fourth moment E z^4 = 3, standard error sqrt((105 − 9)/n) ≈ 0.031.
        let fourth = z.reduce(0) { $0 + $1 * $1 * $1 * $1 } / Double(n)
        #expect(abs(fourth - 3) < 5 * (96 / Double(n)).squareRoot())

        var rng = PhiloxRandom(seed: 123, stream: 9)
        let u = (0..<n).map { _ in Double(rng.nextUniform()) }
        #expect(u.allSatisfy { $0 > 0 && $0 < 1 })
        let uMean = u.reduce(0, +) / Double(n)
        // Uniform: mean 1/2 with standard error sqrt(1/12/n) ≈ 0.00091.
        #expect(abs(uMean - 0.5) < 5 * (1 / 12 / Double(n)).squareRoot())
    }
}
