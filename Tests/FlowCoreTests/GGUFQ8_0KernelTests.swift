import Foundation
import Testing
import TestSupport
@testable import FlowCore

/// The Q8_0 matrix kernel: its activation quantizer against the `gguf` package's (bit for bit), its
/// AVX2 path against its plain-loop twin, and its products against float32 products of the
/// dequantized weights.
@Suite struct GGUFQ8_0KernelTests {
    /// Random Q8_0 weight bytes for n rows of k: float16 scales ~0.01, any int8 values (-128 included).
    static func randomWeights(n: Int, k: Int, rng: inout SplitMix64) -> [UInt8] {
        var bytes: [UInt8] = []
        for _ in 0..<(n * k / 32) {
            bytes += GGUFTestWriter.le(Float16Conversion.float16Bits(Float.random(in: 0.002...0.02, using: &rng)))
            bytes += (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        }
        return bytes
    }

    static func randomTensor(_ shape: [Int], rng: inout SplitMix64) -> Tensor {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -3...3, using: &rng) })
    }

    /// ggml's activation quantizer is the gguf package's `quants.quantize(x, Q8_0)`: same bytes.
    @Test func activationsQuantizeAsTheGGUFPackageDoes() throws {
        let file = try GGUFFile(contentsOf: ReferenceFixtures.url("gguf_blocks.gguf"))
        let reference = try ReferenceFixtures.open("gguf_blocks.reference.safetensors")
        for name in ["q8_0.matrix", "q8_0.cube", "reshaped.weight"] {
            let original = try reference.tensor(name + ".original")
            let ours = original.scalars.withUnsafeBufferPointer { GGUFQ8_0Matmul.quantizeRows($0, k: 64) }
            let theirs = try file.withStoredBytes(name) { Array($0) }
            #expect(ours == theirs, "\(name): \(zip(ours, theirs).filter { $0 != $1 }.count) bytes differ")
        }
    }

    /// The AVX2 kernel and the plain loop: the same integer sums, so equal up to float rounding of
    /// the per-block accumulation (measured: ≤ 2e-6 relative); both within float rounding of a
    /// Double product of the dequantized values.
    @Test func avx2MatchesThePlainLoop() throws {
        var rng = SplitMix64(seed: 7)
        let (t, k, n) = (5, 256, 24)
        let weights = Self.randomWeights(n: n, k: k, rng: &rng)
        let x = Self.randomTensor([t, k], rng: &rng)
        let bias = Self.randomTensor([n], rng: &rng)
        let fast = weights.withUnsafeBytes { GGUFQ8_0Matmul.linear(x, weights: $0, outFeatures: n, bias: bias) }
        let plain = weights.withUnsafeBytes { GGUFQ8_0Matmul.linear(x, weights: $0, outFeatures: n, bias: bias, plain: true) }
        #expect(fast.shape == [t, n])
        // The exact value of what both compute: dequantized weights · dequantized activations, in Double.
        let w = Tensor(shape: [n, k]) { out in weights.withUnsafeBytes { GGUFDequantize.dequantize(.q8_0, from: $0.baseAddress!, into: out) } }
        let xq = x.scalars.withUnsafeBufferPointer { GGUFQ8_0Matmul.quantizeRows($0, k: k) }
        let xd = Tensor(shape: [t, k]) { out in xq.withUnsafeBytes { GGUFDequantize.dequantize(.q8_0, from: $0.baseAddress!, into: out) } }
        var worstFast = 0.0, worstPlain = 0.0
        for i in 0..<t {
            for j in 0..<n {
                var exact = Double(bias.scalars[j]), magnitude = abs(exact)
                for c in 0..<k {
                    let p = Double(w.scalars[j * k + c]) * Double(xd.scalars[i * k + c])
                    exact += p
                    magnitude += abs(p)
                }
                worstFast = max(worstFast, abs(Double(fast.scalars[i * n + j]) - exact) / magnitude)
                worstPlain = max(worstPlain, abs(Double(plain.scalars[i * n + j]) - exact) / magnitude)
            }
        }
        #expect(worstFast < 1e-5 && worstPlain < 1e-5, "relative to Σ|terms|: AVX2 \(worstFast), plain \(worstPlain)")
        print("Q8_0 kernel (AVX2: \(GGUFQ8_0Matmul.usesAVX2)): relative error vs exact, AVX2 \(worstFast), plain \(worstPlain)")
    }

    /// Against float32 products with the dequantized weights (OpenBLAS): the difference is the
    /// activations' quantization, at most half a step (max|x|/254) per value.
    @Test func matchesFloatProductsWithinTheActivationQuantization() throws {
        var rng = SplitMix64(seed: 11)
        let (t, k, n) = (7, 128, 16)
        let weights = Self.randomWeights(n: n, k: k, rng: &rng)
        let x = Self.randomTensor([t, k], rng: &rng)
        let ours = weights.withUnsafeBytes { GGUFQ8_0Matmul.linear(x, weights: $0, outFeatures: n) }
        let w = Tensor(shape: [n, k]) { out in weights.withUnsafeBytes { GGUFDequantize.dequantize(.q8_0, from: $0.baseAddress!, into: out) } }
        var reference = Tensor(zeros: [t, n])
        x.scalars.withUnsafeBufferPointer { a in
            w.scalars.withUnsafeBufferPointer { b in
                reference.scalars.withUnsafeMutableBufferPointer { c in
                    sgemm(m: t, n: n, k: k, a: a.baseAddress!, lda: k, b: b.baseAddress!, ldb: k, transposeB: true,
                          c: c.baseAddress!, ldc: n)
                }
            }
        }
        for i in 0..<t {
            for j in 0..<n {
                // Bound: Σ_c |w_jc| · (half a quantization step of x's block).
                var bound: Float = 0
                for c in 0..<k {
                    let block = x.scalars[(i * k + c) / 32 * 32..<(i * k + c) / 32 * 32 + 32].map(abs).max()!
                    bound += abs(w.scalars[j * k + c]) * block / 254 * 1.01
                }
                #expect(abs(ours.scalars[i * n + j] - reference.scalars[i * n + j]) <= bound + 1e-4)
            }
        }
    }
}
