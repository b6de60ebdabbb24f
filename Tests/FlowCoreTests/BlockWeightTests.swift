import Foundation
import Testing
import TestSupport
@testable import FlowCore

/// Matrices held as GGUF blocks (`ParameterStorage.blocks`): the row widening against the
/// package-checked dequantization, `blockWeightGEMM` against dequantize-everything-then-sgemm and
/// the plain loop, FlowStudio's quantizers against the `gguf` package's bytes
/// (Tests/Reference/make_quantizer_fixtures.py), and a `ParameterStore` holding blocks.
@Suite struct BlockWeightTests {
    static let blockTypes: [GGUFBlockType] = [.q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q4_K, .q5_K, .q6_K]

    /// `blocks` random blocks of `type` whose float16 scales (and mins) are 0.002–0.02, so the
    /// values are weight-sized: random bytes with the scale fields overwritten.
    static func randomBlocks(_ type: GGUFBlockType, blocks: Int, seed: UInt64) -> [UInt8] {
        var rng = SplitMix64(seed: seed)
        var bytes = (0..<blocks * type.bytesPerBlock).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let scaleOffsets: [Int] = switch type {
        case .q8_0, .q4_0, .q5_0: [0]
        case .q4_1, .q5_1, .q4_K, .q5_K: [0, 2]
        case .q6_K: [208]
        default: []
        }
        for b in 0..<blocks {
            for offset in scaleOffsets {
                let scale = Float(rng.next() % 1000) / 1000 * 0.018 + 0.002
                let bits = Float16Conversion.float16Bits(offset == 2 && type.blockSize == 32 ? -scale * 8 : scale / (type.blockSize == 256 ? 16 : 1))
                bytes[b * type.bytesPerBlock + offset] = UInt8(bits & 0xFF)
                bytes[b * type.bytesPerBlock + offset + 1] = UInt8(bits >> 8)
            }
        }
        return bytes
    }

    static func dequantized(_ type: GGUFBlockType, _ bytes: [UInt8], count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { GGUFDequantize.dequantize(type, from: $0.baseAddress!, into: buffer) }
            initialized = count
        }
    }

    @Test(arguments: blockTypes)
    func rowWideningEqualsTheDequantizationBitForBit(type: GGUFBlockType) {
        let rows = 5, k = 512
        let bytes = Self.randomBlocks(type, blocks: rows * k / type.blockSize, seed: UInt64(type.rawValue))
        let whole = Self.dequantized(type, bytes, count: rows * k)
        var widened = [Float](repeating: .nan, count: 2 * k)
        bytes.withUnsafeBytes { raw in
            let weight = WeightRows(raw.baseAddress!, storage: .blocks(type), columns: k)
            widened.withUnsafeMutableBufferPointer { weight.widen(2..<4, into: $0.baseAddress!) }
        }
        let mismatches = zip(widened, whole[2 * k..<4 * k]).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(mismatches == 0, "\(type): \(mismatches) values differ")
    }

    /// The fixture's quantized tensors (made by the package's quantizer) widen to the package's values.
    @Test func rowWideningOfThePackagesBlocksEqualsItsDequantization() throws {
        let file = try GGUFFile(contentsOf: ReferenceFixtures.url("gguf_blocks.gguf"))
        var seen = Set<GGUFBlockType>()
        for name in file.names {
            guard let info = file.info(name), info.type.widensRows else { continue }
            let reference = try file.tensor(name)
            var ours = [Float](repeating: .nan, count: info.elementCount)
            try file.withStoredBytes(name) { bytes in
                ours.withUnsafeMutableBufferPointer {
                    GGUFDequantize.widen(info.type, from: bytes.baseAddress!, into: $0.baseAddress!, count: info.elementCount)
                }
            }
            #expect(ours.map(\.bitPattern) == reference.scalars.map(\.bitPattern), "\(name) (\(info.type))")
            seen.insert(info.type)
        }
        #expect(seen == Set(Self.blockTypes))
    }

    /// Tiny shapes against the plain loop; MM-DiT-like shapes (few rows: the modulation path; many
    /// rows: the whole-matrix path) against dequantize-everything-then-sgemm.
    @Test(arguments: blockTypes)
    func productMatchesDequantizeThenSgemm(type: GGUFBlockType) {
        let k0 = type.blockSize == 256 ? 256 : 64
        let shapes: [(m: Int, n: Int, k: Int, lda: Int, ldc: Int, beta: Float)] = [
            (3, 5, k0, k0 + 3, 7, 0), (1, 17, 2 * k0, 2 * k0, 17, 1),
            (2, 6 * 384, 384 + (type.blockSize == 256 ? 128 : 0), 512, 6 * 384, 1),   // AdaLN rows
            (300, 96, 512, 512, 100, 0), (257, 1536, 256, 256, 1536, 1),              // token streams
        ]
        for (index, s) in shapes.enumerated() {
            let bytes = Self.randomBlocks(type, blocks: s.n * s.k / type.blockSize, seed: UInt64(100 + index))
            let a = Noise.uniform(shape: [s.m, s.lda], bound: 1, seed: UInt64(index)).scalars
            let c0 = Noise.uniform(shape: [s.m, s.ldc], bound: 1, seed: UInt64(50 + index)).scalars
            var ours = c0, expected = c0
            let values = Self.dequantized(type, bytes, count: s.n * s.k)
            a.withUnsafeBufferPointer { pa in
                bytes.withUnsafeBytes { pw in
                    ours.withUnsafeMutableBufferPointer { pc in
                        blockWeightGEMM(m: s.m, n: s.n, k: s.k, a: pa.baseAddress!, lda: s.lda, w: pw.baseAddress!,
                                        storage: .blocks(type), c: pc.baseAddress!, ldc: s.ldc, beta: s.beta)
                    }
                    expected.withUnsafeMutableBufferPointer { pc in
                        if s.n * s.k < 10_000 {
                            naiveBlockWeightGEMM(m: s.m, n: s.n, k: s.k, a: pa.baseAddress!, lda: s.lda, w: pw.baseAddress!,
                                                 type: type, c: pc.baseAddress!, ldc: s.ldc, beta: s.beta)
                        } else {
                            values.withUnsafeBufferPointer { pv in
                                sgemm(m: s.m, n: s.n, k: s.k, a: pa.baseAddress!, lda: s.lda, b: pv.baseAddress!, ldb: s.k,
                                      transposeB: true, c: pc.baseAddress!, ldc: s.ldc, beta: s.beta)
                            }
                        }
                    }
                }
            }
            let closeness = compare(Tensor(shape: [s.m, s.ldc], scalars: ours), Tensor(shape: [s.m, s.ldc], scalars: expected),
                                    relative: 1e-5)
            #expect(closeness.ok, "\(type) \(s): \(closeness)")
            if s.m >= halfWeightWholeMatrixRows {
                #expect(ours == expected, "\(type) \(s): the whole-matrix path is sgemm over the same values")
            }
        }
    }

    /// FlowStudio's Q8_0 and Q4_0 quantizers write the package's bytes exactly.
    @Test func quantizersMatchTheGGUFPackageByteForByte() throws {
        let file = try GGUFFile(contentsOf: ReferenceFixtures.url("gguf_quantize.gguf"))
        var checked = 0
        for name in file.names where name.hasSuffix(".original") {
            let base = String(name.dropLast(".original".count))
            let original = try file.tensor(name)
            for type in [GGUFBlockType.q8_0, .q4_0] {
                let key = base + "." + type.name.lowercased()
                let info = try #require(file.info(key))
                #expect(info.type == type && info.shape == original.shape, "\(key): \(info.type) \(info.shape)")
                let theirs = try file.withStoredBytes(key) { [UInt8]($0) }
                let ours = GGUFQuantize.quantize(type, original.scalars)
                let differing = zip(ours, theirs).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
                #expect(ours.count == theirs.count && differing.isEmpty,
                        "\(key): \(differing.count) bytes differ, first at \(differing.prefix(4)) (block \(differing.first.map { $0 / type.bytesPerBlock } ?? -1))")
                checked += 1
            }
        }
        #expect(checked == 6)
    }

    /// A store with `matrices: .rounded(.blocks(...))` holds every matrix whose rows are whole
    /// blocks as blocks (the others float32), counts their block bytes, and `Linear.forward` over
    /// them equals a float32 layer over the dequantized values.
    @Test(arguments: [GGUFBlockType.q8_0, .q4_0])
    func linearOverBlocksMatchesFloat32OverTheDequantizedValues(type: GGUFBlockType) throws {
        let (inputs, outputs, rows) = (96, 40, 300)
        let held = ParameterStore(matrices: .rounded(.blocks(type))), full = ParameterStore()
        let layer = Linear(held, "layer", in: inputs, out: outputs)
        let odd = Linear(held, "odd", in: 33, out: 4)  // rows of 33: not whole blocks, stays float32
        let reference = Linear(full, "layer", in: inputs, out: outputs)
        #expect(held.entries[layer.weight].storage == .blocks(type))
        #expect(held.entries[odd.weight].storage == .float32 && held.entries[layer.bias!].storage == .float32)
        held.allocate(); full.allocate()
        let weights = Noise.uniform(shape: [outputs, inputs], bound: 0.2, seed: 3)
        let bias = Noise.uniform(shape: [outputs], bound: 0.2, seed: 4)
        held.set(layer.weight, weights); held.set(layer.bias!, bias)
        let blockBytes = outputs * inputs / 32 * type.bytesPerBlock
        #expect(held.blockByteCount == blockBytes)
        #expect(held.heldBytes == blockBytes + (outputs + 33 * 4 + 4) * 4)
        let dequantized = held.tensor(layer.weight)
        #expect(dequantized.scalars == Self.dequantized(type, GGUFQuantize.quantize(type, weights.scalars), count: weights.count))
        full.set(reference.weight, dequantized); full.set(reference.bias!, bias)
        for m in [2, rows] {
            let x = Noise.uniform(shape: [m, inputs], bound: 1, seed: 9)
            let ours = layer(ForwardContext(store: held), x), theirs = reference(ForwardContext(store: full), x)
            let closeness = compare(ours, theirs, relative: 1e-5)
            #expect(closeness.ok, "\(type) rows \(m): \(closeness)")
        }
    }
}

