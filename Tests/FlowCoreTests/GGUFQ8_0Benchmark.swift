import Foundation
import Testing
import TestSupport
@testable import FlowCore

/// The Q8_0 kernel against OpenBLAS's float32 sgemm on one MM-DiT linear, measured alternately
/// in one run (a benchmark run by hand, skipped unless `FLOWSTUDIO_Q8_BENCH` is set; no timing
/// assertions). The C kernel is built with -O3 even in debug builds, so:
///
///     FLOWSTUDIO_Q8_BENCH=1 FLOWSTUDIO_Q8_BENCH_SHAPE=1357x1536x1536 swift test --skip-build --filter GGUFQ8_0Benchmark
///
/// SHAPE is T×K×N (default: SD3-medium at 512², 1024 image + 333 text tokens, width 1536).
@Suite struct GGUFQ8_0Benchmark {
    static let environment = ProcessInfo.processInfo.environment

    @Test(.enabled(if: environment["FLOWSTUDIO_Q8_BENCH"] != nil))
    func q8_0VersusFloat32() throws {
        let dims = (Self.environment["FLOWSTUDIO_Q8_BENCH_SHAPE"] ?? "1357x1536x1536").split(separator: "x").compactMap { Int($0) }
        let (t, k, n) = (dims[0], dims[1], dims[2])
        let threads = Int(Self.environment["FLOWSTUDIO_Q8_BENCH_THREADS"] ?? "") ?? 2
        Parallel.setThreadCount(threads)
        var rng = SplitMix64(seed: 3)
        let weights = GGUFQ8_0KernelTests.randomWeights(n: n, k: k, rng: &rng)
        let x = GGUFQ8_0KernelTests.randomTensor([t, k], rng: &rng)
        let w = Tensor(shape: [n, k]) { out in weights.withUnsafeBytes { GGUFDequantize.dequantize(.q8_0, from: $0.baseAddress!, into: out) } }
        var y = Tensor(zeros: [t, n])
        func seconds(_ body: () -> Void) -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        var q8: [Double] = [], f32: [Double] = []
        var yq = Tensor(zeros: [0])
        for _ in 0..<5 {
            q8.append(seconds { yq = weights.withUnsafeBytes { GGUFQ8_0Matmul.linear(x, weights: $0, outFeatures: n) } })
            f32.append(seconds {
                x.scalars.withUnsafeBufferPointer { a in
                    w.scalars.withUnsafeBufferPointer { b in
                        y.scalars.withUnsafeMutableBufferPointer { c in
                            sgemm(m: t, n: n, k: k, a: a.baseAddress!, lda: k, b: b.baseAddress!, ldb: k, transposeB: true,
                                  c: c.baseAddress!, ldc: n)
                        }
                    }
                }
            })
        }
        let flops = 2.0 * Double(t * k * n)
        // The activations' quantization error, relative to the largest output.
        let error = zip(yq.scalars, y.scalars).map { abs($0 - $1) }.max() ?? 0
        print(String(format: "Q8_0 vs float32 products of the dequantized weights: max |Δ| %.3g, max |y| %.3g (relative %.2g)",
                     error, y.maxAbs, error / y.maxAbs))
        let q = q8.sorted()[2], f = f32.sorted()[2]
        print(String(format: "Q8_0 linear [%d, %d]·[%d, %d]ᵀ, %d threads, AVX2 %@: Q8_0 %.1f ms (%.1f GOP/s, %.2f MB weights), "
                     + "float32 sgemm %.1f ms (%.1f GFLOP/s, %.2f MB); Q8_0 / float32 time = %.2f",
                     t, k, n, k, threads, GGUFQ8_0Matmul.usesAVX2 ? "yes" : "no", q * 1e3, flops / q / 1e9,
                     Double(weights.count) / 1e6, f * 1e3, flops / f / 1e9, Double(n * k * 4) / 1e6, q / f))
    }
}
