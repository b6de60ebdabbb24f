import Foundation
import Testing
import FlowCore
import TestSupport

/// Each fast op against its plain-loop, double-precision twin.
@Suite struct OpsTests {
    /// Deterministic test data in roughly [-2, 2].
    static func data(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = PhiloxRandom(seed: seed)
        return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in rng.nextNormal() })
    }

    @Test(arguments: [(3, 5, 4), (17, 33, 65), (64, 256, 128)])
    func matmulMatchesNaive(_ dims: (Int, Int, Int)) {
        let (m, k, n) = dims
        let a = Self.data([m, k], seed: 1), b = Self.data([k, n], seed: 2), bt = Self.data([n, k], seed: 3)
        #expect(compare(matmul(a, b), naiveMatmul(a, b), relative: 1e-5).ok)
        #expect(compare(matmul(a, bt, transposeB: true), naiveMatmul(a, bt, transposeB: true), relative: 1e-5).ok)
    }

    @Test func linearAddsBiasPerRow() {
        let x = Self.data([2, 3, 8], seed: 4)
        let store = ParameterStore()
        let layer = Linear(store, "layer", in: 8, out: 5)
        let weight = Self.data([5, 8], seed: 5), bias = Self.data([5], seed: 6)
        store.fill { name, _ in name == "layer.weight" ? weight : bias }
        var expected = naiveMatmul(x.reshaped([6, 8]), weight, transposeB: true)
        for r in 0..<6 { for j in 0..<5 { expected[r, j] += bias.scalars[j] } }
        #expect(compare(layer(ForwardContext(store: store), x), expected.reshaped([2, 3, 5]), relative: 1e-5).ok)
    }

    @Test func normsMatchNaive() {
        let x = Self.data([37, 96], seed: 7)
        #expect(compare(layerNorm(x), naiveLayerNorm(x), relative: 1e-5).ok)
        let w = Self.data([96], seed: 8)
        #expect(compare(rmsNorm(x, weight: w), naiveRMSNorm(x, weight: w), relative: 1e-5).ok)
    }

    @Test func activationsMatchNaive() {
        let x = 4 * Self.data([5000], seed: 9)
        #expect(compare(geluTanh(x), naiveGeluTanh(x), relative: 1e-6).ok)
        #expect(compare(silu(x), naiveSilu(x), relative: 1e-6).ok)
    }

    @Test func fastExpIsAccurate() {
        var worst: Double = 0
        for i in 0...200_000 {
            let x = -87 + Float(i) * (87 / 200_000)
            let rel = abs(Double(fastExp(x)) - exp(Double(x))) / exp(Double(x))
            worst = max(worst, rel)
        }
        #expect(worst < 3e-7, "worst relative error \(worst)")
        #expect(fastExp(0) == 1)
    }

    @Test func softmaxMatchesNaive() {
        let x = 10 * Self.data([13, 300], seed: 10)
        #expect(compare(softmax(x), naiveSoftmax(x), relative: 1e-6).ok)
    }

    @Test(arguments: [(1, 5, 1), (2, 7, 2), (2, 150, 3)])
    func attentionMatchesNaive(_ dims: (Int, Int, Int)) {
        let (batch, tokens, heads) = dims
        let width = heads * 16
        let q = Self.data([batch, tokens, width], seed: 11)
        let k = Self.data([batch, tokens, width], seed: 12)
        let v = Self.data([batch, tokens, width], seed: 13)
        #expect(compare(attention(q: q, k: k, v: v, heads: heads), naiveAttention(q: q, k: k, v: v, heads: heads), relative: 1e-5).ok)
    }

    @Test func patchifyOrdersFeaturesAsAConvolution() {
        // [1, 2, 4, 4] with value = c·100 + y·10 + x
        let values: [Float] = (0..<32).map { (i: Int) -> Float in
            let c = i / 16, y = i / 4 % 4, x = i % 4
            return Float(c * 100 + y * 10 + x)
        }
        let x = Tensor(shape: [1, 2, 4, 4], scalars: values)
        let p = patchify(x, patch: 2)  // [1, 4, 8]
        #expect(p.shape == [1, 4, 8])
        // token 1 = patch row 0, col 1; features (c, i, j)
        #expect(Array(p.scalars[8..<16]) == [2, 3, 12, 13, 102, 103, 112, 113])
    }

    @Test func unpatchifyReadsFeaturesInIJCOrder() {
        // one 2×2 patch with 3 channels: feature (i, j, c) = i·100 + j·10 + c
        let values: [Float] = (0..<12).map { (f: Int) -> Float in
            let i = f / 6, j = f / 3 % 2, c = f % 3
            return Float(i * 100 + j * 10 + c)
        }
        let tokens = Tensor(shape: [1, 1, 12], scalars: values)
        let image = unpatchify(tokens, patch: 2, gridHeight: 1, gridWidth: 1, channels: 3)
        #expect(image.shape == [1, 3, 2, 2])
        #expect(image[0, 2, 1, 0] == 102)
        #expect(image[0, 1, 0, 1] == 11)
    }
}

extension OpsTests {
    @Test func channelsLastPatchifyInvertsUnpatchify() {
        let x = Self.data([2, 3, 8, 4], seed: 21)
        let tokens = patchify(x, patch: 2, order: .channelsLast)  // [2, 8, 12]
        #expect(unpatchify(tokens, patch: 2, gridHeight: 4, gridWidth: 2, channels: 3) == x)
    }
}
