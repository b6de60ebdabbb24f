import Foundation
import TestSupport
import Testing
@testable import FlowCore

/// Half-precision weights: `halfWeightGEMM` against its plain-loop twin, `Linear` over 16-bit
/// weights against the same layer over float32 weights holding the same (exactly representable)
/// values, and `ParameterStore` keeping a file's BF16 / F16 / F8 matrices in 16 bits.
@Suite struct HalfWeightTests {
    /// Random 16-bit patterns of finite values in ±`bound`, as `storage` holds them.
    static func halfWeights(_ count: Int, _ storage: ParameterStorage, seed: UInt64, bound: Float = 0.5) -> [UInt16] {
        let values = Noise.uniform(shape: [count], bound: bound, seed: seed).scalars
        return storage == .bfloat16 ? Float16Conversion.bfloat16Bits(values) : Float16Conversion.float16Bits(values)
    }

    /// Shapes: few rows (narrow blocks), many rows with N not a multiple of the 256-row block,
    /// a row stride wider than K, beta 0 and 1, and a single-thread-sized product.
    static let shapes: [(m: Int, n: Int, k: Int, lda: Int, beta: Float)] = [
        (2, 517, 33, 33, 0), (300, 600, 70, 75, 1), (7, 5, 3, 3, 1), (260, 257, 64, 64, 0),
    ]

    @Test(arguments: [ParameterStorage.bfloat16, .float16])
    func productMatchesPlainLoop(storage: ParameterStorage) {
        for (index, s) in Self.shapes.enumerated() {
            let a = Noise.uniform(shape: [s.m * s.lda], bound: 1, seed: UInt64(10 + index)).scalars
            let w = Self.halfWeights(s.n * s.k, storage, seed: UInt64(20 + index))
            let start = Noise.uniform(shape: [s.m * s.n], bound: 1, seed: UInt64(30 + index)).scalars
            var fast = start, slow = start
            a.withUnsafeBufferPointer { pa in
                w.withUnsafeBufferPointer { pw in
                    fast.withUnsafeMutableBufferPointer { pc in
                        halfWeightGEMM(m: s.m, n: s.n, k: s.k, a: pa.baseAddress!, lda: s.lda, w: pw.baseAddress!, storage: storage,
                                       c: pc.baseAddress!, ldc: s.n, beta: s.beta)
                    }
                    slow.withUnsafeMutableBufferPointer { pc in
                        naiveHalfWeightGEMM(m: s.m, n: s.n, k: s.k, a: pa.baseAddress!, lda: s.lda, w: pw.baseAddress!, storage: storage,
                                            c: pc.baseAddress!, ldc: s.n, beta: s.beta)
                    }
                }
            }
            let closeness = compare(Tensor(shape: [s.m, s.n], scalars: fast), Tensor(shape: [s.m, s.n], scalars: slow), relative: 1e-5)
            #expect(closeness.ok, "\(storage) \(s): \(closeness)")
        }
    }

    /// The widening kernels against `Float16Conversion` on every 16-bit pattern.
    @Test func wideningIsExactForEveryPattern() {
        let all = (0...UInt16.max).map { $0 }
        var out = [Float](repeating: 0, count: all.count)
        all.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { fs_bf16_to_f32_checked(src.baseAddress!, $0.baseAddress!, all.count, bfloat16: true) }
        }
        #expect(zip(all, out).allSatisfy { Float16Conversion.float(bfloat16Bits: $0).bitPattern == $1.bitPattern })
        all.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { fs_bf16_to_f32_checked(src.baseAddress!, $0.baseAddress!, all.count, bfloat16: false) }
        }
        let mismatched = zip(all, out).filter { bits, value in
            let expected = Float16Conversion.float(float16Bits: bits)
            return expected.isNaN ? !value.isNaN : expected.bitPattern != value.bitPattern
        }
        #expect(mismatched.isEmpty, "first F16 mismatches: \(mismatched.prefix(3))")
    }

    /// A `Linear` over a store that holds its weight in 16 bits gives what the float32 layer gives
    /// for the same values (the widening is exact, so only the blocking of the product differs).
    @Test(arguments: [ParameterStorage.bfloat16, .float16])
    func linearOverHalfWeightsMatchesFloat32(storage: ParameterStorage) throws {
        let (rows, inputs, outputs) = (300, 96, 520)
        let half = ParameterStore(matrices: .rounded(storage)), full = ParameterStore()
        let halfLayer = Linear(half, "fc", in: inputs, out: outputs), fullLayer = Linear(full, "fc", in: inputs, out: outputs)
        #expect(half.entries[halfLayer.weight].storage == storage)
        #expect(half.entries[halfLayer.bias!].storage == .float32)
        // Values that the 16-bit kind holds exactly, so both stores hold the same numbers.
        let bits = Self.halfWeights(outputs * inputs, storage, seed: 5)
        let values = storage == .bfloat16 ? Float16Conversion.floats(bfloat16: bits) : Float16Conversion.floats(float16: bits)
        let weight = Tensor(shape: [outputs, inputs], scalars: values)
        let bias = Noise.uniform(shape: [outputs], bound: 1, seed: 6)
        for store in [half, full] {
            store.allocate()
            store.set(store.id("fc.weight")!, weight)
            store.set(store.id("fc.bias")!, bias)
        }
        #expect(half.tensor(halfLayer.weight).scalars == values)
        #expect(half.heldBytes == outputs * inputs * 2 + outputs * 4)
        let x = Noise.uniform(shape: [rows, inputs], bound: 1, seed: 7)
        let y = halfLayer(ForwardContext(store: half), x), expected = fullLayer(ForwardContext(store: full), x)
        let closeness = compare(y, expected, relative: 1e-5)
        #expect(closeness.ok, "\(closeness)")
    }

    /// `load` under `.asStored` keeps a BF16 / F16 file's matrices in 16 bits (bit for bit), widens
    /// F8 to bfloat16 exactly, keeps an F32 file's in float32, and leaves biases float32.
    @Test(arguments: [SafeTensorsDType.bf16, .f16, .f8E4M3, .f32])
    func loadKeepsTheFileDType(dtype: SafeTensorsDType) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("HalfWeightTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("w.safetensors")
        let tensors = ["fc.weight": Noise.uniform(shape: [40, 24], bound: 0.5, seed: 1),
                       "fc.bias": Noise.uniform(shape: [40], bound: 0.5, seed: 2),
                       "proj.weight": Noise.uniform(shape: [24, 40], bound: 0.5, seed: 3)]
        try SafeTensors.write(tensors, dtype: dtype, to: url)
        let file = try SafeTensorsFile(contentsOf: url)

        let kept = ParameterStore(matrices: .asStored), widened = ParameterStore()
        let layers = [Linear(kept, "fc", in: 24, out: 40), Linear(kept, "proj", in: 40, out: 24, bias: false)]
        let twins = [Linear(widened, "fc", in: 24, out: 40), Linear(widened, "proj", in: 40, out: 24, bias: false)]
        try kept.load(from: file)
        try widened.load(from: file)
        let expected = ParameterStorage(halfOf: dtype) ?? .float32
        #expect(kept.entries[layers[0].weight].storage == expected)
        #expect(kept.entries[layers[1].weight].storage == expected)
        #expect(kept.entries[layers[0].bias!].storage == .float32)
        #expect(kept.heldBytes == expected.byteCount(elements: 2 * 40 * 24) + 40 * 4)
        for (layer, twin) in zip(layers, twins) {
            #expect(kept.tensor(layer.weight).scalars == widened.tensor(twin.weight).scalars, "the file's values, exactly")
        }
        if dtype == .bf16 || dtype == .f16 {
            let stored = try file.tensor("fc.weight").scalars
            let bits = dtype == .bf16 ? Float16Conversion.bfloat16Bits(stored) : Float16Conversion.float16Bits(stored)
            #expect(Array(UnsafeBufferPointer(start: kept.halfValue(layers[0].weight), count: 40 * 24)) == bits)
        }
        let x = Noise.uniform(shape: [5, 24], bound: 1, seed: 4)
        let y = layers[1](ForwardContext(store: kept), layers[0](ForwardContext(store: kept), x))
        let reference = twins[1](ForwardContext(store: widened), twins[0](ForwardContext(store: widened), x))
        let closeness = compare(y, reference, relative: 1e-5)
        #expect(closeness.ok, "\(closeness)")
    }

    /// q, k, v kept next to each other stay one [3D, D] matrix in 16 bits.
    @Test func contiguousGroupStaysTogether() throws {
        let store = ParameterStore(matrices: .rounded(.bfloat16))
        let parts = ["q", "k", "v"].map { Linear(store, $0, in: 8, out: 8) }
        store.keepContiguous(parts.map(\.weight))
        store.keepContiguous(parts.map { $0.bias! })
        store.allocate()
        let base = store.halfValue(parts[0].weight)
        #expect(store.halfValue(parts[1].weight) == base + 64)
        #expect(store.halfValue(parts[2].weight) == base + 128)
        #expect(store.count == 24 && store.halfCount == 192)
    }
}

/// The two C widening kernels behind one call.
private func fs_bf16_to_f32_checked(_ src: UnsafePointer<UInt16>, _ dst: UnsafeMutablePointer<Float>, _ count: Int, bfloat16: Bool) {
    widenHalf(src, storage: bfloat16 ? .bfloat16 : .float16, into: dst, count: count)
}
