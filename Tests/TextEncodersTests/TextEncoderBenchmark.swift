import Foundation
import Testing
import FlowCore
import TextEncoders

/// Timing of CLIP-L- and bigG-shaped encodes of 77 tokens with random weights (a measurement, not a
/// test: it asserts nothing about time). Runs only when FLOWSTUDIO_BENCH_TEXT_ENCODERS is set; use a
/// release build and compare with `Tests/Reference/bench_pytorch_encoders.py` on the same machine:
///
///     swift build -c release --build-tests
///     FLOWSTUDIO_BENCH_TEXT_ENCODERS=1 FLOWSTUDIO_THREADS=2 swift test -c release --skip-build --filter TextEncoderBenchmark
@Suite struct TextEncoderBenchmark {
    static let enabled = ProcessInfo.processInfo.environment["FLOWSTUDIO_BENCH_TEXT_ENCODERS"] != nil

    @Test(.enabled(if: enabled), arguments: ["clip_l", "clip_g"])
    func encode77Tokens(_ role: String) throws {
        let threads = Int(ProcessInfo.processInfo.environment["FLOWSTUDIO_THREADS"] ?? "2") ?? 2
        Parallel.setThreadCount(threads)
        let config = role == "clip_l" ? CLIPTextConfig.clipL : CLIPTextConfig.clipG
        var state: UInt64 = 1
        let model = try CLIPTextModel(config: config) { _, shape in
            // Small uniform values (xorshift), fast enough for 700 M weights.
            Tensor(shape: shape) { out in
                let scale = 1 / Float(max(shape.last ?? 1, 1)).squareRoot()
                for i in out.indices {
                    state ^= state << 13; state ^= state >> 7; state ^= state << 17
                    out[i] = (Float(state >> 40) / Float(1 << 24) * 2 - 1) * scale
                }
            }
        }
        let tokens = [49406] + (0..<20).map { 400 + $0 * 97 } + [49407] + [Int](repeating: 49407, count: 55)
        _ = try model.encode(tokens)  // warm-up
        var times: [Double] = []
        for _ in 0..<5 {
            let start = DispatchTime.now().uptimeNanoseconds
            let out = try model.encode(tokens)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            let finite = out.pooled.scalars.allSatisfy { $0.isFinite }
            #expect(finite)
        }
        let params = model.store.count
        print("bench \(role): \(params / 1_000_000) M params, 77 tokens, \(threads) threads, float32: median \(String(format: "%.1f", times.sorted()[2])) ms, min \(String(format: "%.1f", times.min()!)) ms")
    }
}
