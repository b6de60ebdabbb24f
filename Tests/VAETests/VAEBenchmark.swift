import Foundation
import FlowCore
import TestSupport
import Testing
import VAE

/// The SD3 VAE decoder at full size with random weights: a benchmark run by hand, skipped
/// unless `FLOWSTUDIO_VAE_BENCH` is set (no timing assertions). In a release build:
///
///     swift build -c release --build-tests -Xswiftc -enable-testing
///     FLOWSTUDIO_VAE_BENCH=1 FLOWSTUDIO_VAE_BENCH_THREADS=2 FLOWSTUDIO_VAE_BENCH_LATENT=64 \
///         swift test -c release -Xswiftc -enable-testing --skip-build --filter VAEBenchmark
///
/// `Tests/Reference/bench_vae_pytorch.py --compare` runs this and PyTorch's
/// `AutoencoderKL.decode` of the same shape in one go and prints both.
@Suite struct VAEBenchmark {
    static let environment = ProcessInfo.processInfo.environment

    @Test(.enabled(if: environment["FLOWSTUDIO_VAE_BENCH"] != nil))
    func sd3DecoderFullSize() throws {
        let threads = Int(Self.environment["FLOWSTUDIO_VAE_BENCH_THREADS"] ?? "") ?? 2
        let side = Int(Self.environment["FLOWSTUDIO_VAE_BENCH_LATENT"] ?? "") ?? 64
        let runs = Int(Self.environment["FLOWSTUDIO_VAE_BENCH_RUNS"] ?? "") ?? 2
        Parallel.setThreadCount(threads)
        let decoder = try VAEDecoder(config: .sd3)
        var rng = SplitMix64(seed: 1)
        // Random weights of the usual scale: uniform with variance 1/fan_in; norm scales 1 ± 0.1.
        decoder.store.fill { name, shape in
            let fanIn = shape.count > 1 ? shape.dropFirst().reduce(1, *) : 1
            let bound = shape.count > 1 ? (3 / Float(fanIn)).squareRoot() : 0.1
            let base: Float = name.contains("norm") && name.hasSuffix(".weight") ? 1 : 0
            return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in base + Float.random(in: -bound...bound, using: &rng) })
        }
        let latents = Tensor(shape: [1, 16, side, side], scalars: (0..<(16 * side * side)).map { _ in Float.random(in: -2...2, using: &rng) })
        var seconds: [Double] = []
        var last = Tensor(zeros: [0])
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            last = try decoder.decode(latents, tiling: .untiled)
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let flops = decoder.decodeFLOPs(latentHeight: side, latentWidth: side)
        let best = seconds.min() ?? .nan
        let line = String(format: "VAE bench: SD3 decoder, latent %d×%d (%d² pixels), threads %d, float32: runs %@ s, best %.2f s, %.1f GFLOP/s (%.3f TFLOP)",
                          side, side, 8 * side, threads, seconds.map { String(format: "%.2f", $0) }.joined(separator: ", "),
                          best, flops / best / 1e9, flops / 1e12)
        print(line)
        print("{\"vae_seconds_best\": \(best), \"runs\": \(seconds), \"threads\": \(threads), \"latent\": \(side), \"flops\": \(flops)}")
        #expect(last.shape == [1, 3, 8 * side, 8 * side] && last.isFinite)
    }
}
