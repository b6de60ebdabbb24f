import ArgumentParser
import Foundation
import FlowCore
import Generation
import VAE

/// `flowstudio bench vae`: the SD3 VAE decode with random weights, its 3×3 convs by Winograd and
/// by im2col alternately in one process, so the ratio holds on a busy machine.
struct BenchVAE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vae",
        abstract: "Time the SD3 VAE decode (random weights) with Winograd and with im2col convs, alternately in one run.",
        discussion: """
        Decodes one random latent untiled --runs times with each algorithm (Winograd, im2col, \
        Winograd, …) and prints the best and median seconds of each, the ratio, the effective \
        GFLOP/s (the nominal FLOPs of VAEDecoder.decodeFLOPs over the time), the products' \
        GFLOP/s (the FLOPs each algorithm actually runs), the largest difference between the two \
        pictures, and the load average at the start and end (the machine may be shared). \
        Tests/Reference/bench_vae_pytorch.py times PyTorch's decode of the same shape.
        """)

    @Option(help: "Picture size WIDTHxHEIGHT (multiples of 8; the latent is 1/8 of it).") var size: ImageSize = ImageSize(argument: "512x512")!
    @Option(help: "Decodes with each algorithm (alternated; best and median reported).") var runs = 2
    @Flag(help: "Print one JSON object instead of text.") var json = false
    @Option(help: ArgumentHelp("Time one 3×3 conv instead: CIN,COUT,H,W (input size), with ',up' for the fused 2× upsample.",
                               valueName: "cin,cout,h,w[,up]"))
    var layer: String?
    @Option(help: "Time only this algorithm (winograd or im2col; for profiling).") var only: ConvolutionAlgorithm?
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard size.width % 8 == 0, size.height % 8 == 0 else {
            throw ValidationError("--size needs multiples of 8 (got \(size.width)x\(size.height))")
        }
        guard runs >= 1, runs <= 100 else { throw ValidationError("--runs must be 1…100 (got \(runs))") }
        if let layer, layerShape(layer) == nil {
            throw ValidationError("--layer takes CIN,COUT,H,W with positive sizes, optionally ',up' (got \(layer))")
        }
    }

    func layerShape(_ text: String) -> (cin: Int, cout: Int, h: Int, w: Int, upsampled: Bool)? {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 4 || (parts.count == 5 && parts[4] == "up") else { return nil }
        let n = parts.prefix(4).compactMap { Int($0) }
        guard n.count == 4, n.allSatisfy({ $0 >= 1 && $0 <= 4096 }) else { return nil }
        return (n[0], n[1], n[2], n[3], parts.count == 5)
    }

    /// One conv's forward, Winograd and im2col alternately (median milliseconds of each).
    func runLayer(_ s: (cin: Int, cout: Int, h: Int, w: Int, upsampled: Bool)) {
        let store = ParameterStore()
        let conv = Conv2D(store, "conv", in: s.cin, out: s.cout, kernel: 3)
        store.fill { _, shape in Noise.uniform(shape: shape, bound: 1 / Float(9 * s.cin).squareRoot(), seed: 42, stream: UInt64(shape.count)) }
        let ctx = ForwardContext(store: store, precision: compute.precision)
        let input = FloatBuffer(Noise.gaussian(shape: [s.cin, s.h, s.w], seed: 1))
        let k = s.upsampled ? 2 : 1
        let output = FloatBuffer(s.cout * s.h * s.w * k * k)
        var ms: [ConvolutionAlgorithm: [Double]] = [:]
        for _ in 0..<(runs + 1) {
            for a in ConvolutionAlgorithm.allCases {
                let t = measureSeconds {
                    conv.forward(ctx, input: input.p, height: s.h, width: s.w, upsampled: s.upsampled, output: output.p, algorithm: a)
                }
                ms[a, default: []].append(t * 1000)
            }
        }
        let median = { (a: ConvolutionAlgorithm) in Array(ms[a]!.dropFirst()).sorted()[runs / 2] }
        let nominal = 2 * conv.multiplyAdds(height: s.h * k, width: s.w * k)
        print("conv \(s.cin)→\(s.cout) at \(s.h)×\(s.w)\(s.upsampled ? " upsampled 2×" : ""), \(Parallel.threadCount) threads, load \(loadAverage())")
        for a in ConvolutionAlgorithm.allCases {
            let executed = 2 * conv.executedMultiplyAdds(height: s.h * k, width: s.w * k, upsampled: s.upsampled, algorithm: a)
            print(String(format: "  %-8@ %8.2f ms median → %6.1f GFLOP/s effective, products %.1f GFLOP/s", a.rawValue as NSString,
                         median(a), nominal / median(a) / 1e6, executed / median(a) / 1e6))
        }
        print(String(format: "  im2col / Winograd: %.2f×", median(.im2col) / median(.winograd)))
    }

    func run() throws {
        compute.apply()
        if let layer, let shape = layerShape(layer) { return runLayer(shape) }
        let loadBefore = loadAverage()
        let decoder = try VAEDecoder(config: SD3Family.vaeConfig, precision: compute.precision)
        var stream: UInt64 = 0
        decoder.store.fill { key, shape in
            stream += 1
            if shape.count == 1 && key.contains("norm") && key.hasSuffix(".weight") { return Tensor(repeating: 1, shape: shape) }
            let fanIn = shape.count >= 2 ? shape.dropFirst().reduce(1, *) : max(1, shape.last ?? 1)
            return Noise.uniform(shape: shape, bound: 1 / Float(fanIn).squareRoot(), seed: 42, stream: stream)
        }
        let (h, w) = (size.height / 8, size.width / 8)
        let latents = Noise.gaussian(shape: [1, decoder.config.latentChannels, h, w], seed: 1)
        let algorithms: [ConvolutionAlgorithm] = only.map { [$0] } ?? [.winograd, .im2col]
        var seconds: [ConvolutionAlgorithm: [Double]] = [:]
        var pictures: [ConvolutionAlgorithm: Tensor] = [:]
        for run in 0..<runs {
            for algorithm in algorithms {
                decoder.convolution = algorithm
                var picture = Tensor(zeros: [0])
                let s = try measureSeconds { picture = try decoder.decode(latents, tiling: .untiled) }
                seconds[algorithm, default: []].append(s)
                pictures[algorithm] = picture
                if !json { printError(String(format: "run %d %@: %.2f s", run + 1, algorithm.rawValue, s)) }
            }
        }
        let loadAfter = loadAverage()
        let nominal = decoder.decodeFLOPs(latentHeight: h, latentWidth: w)
        let best = { (a: ConvolutionAlgorithm) in seconds[a]!.min()! }
        let median = { (a: ConvolutionAlgorithm) in seconds[a]!.sorted()[seconds[a]!.count / 2] }
        let executed = { (a: ConvolutionAlgorithm) in decoder.decodeFLOPs(latentHeight: h, latentWidth: w, executedBy: a) }
        if only != nil {
            let a = algorithms[0]
            print(String(format: "%@: %.2f s median → %.1f GFLOP/s effective", a.rawValue, median(a), nominal / median(a) / 1e9))
            return
        }
        let ratio = median(.im2col) / median(.winograd)
        let (p, q) = (pictures[.winograd]!, pictures[.im2col]!)
        let difference = zip(p.scalars, q.scalars).map { abs($0 - $1) }.max() ?? 0
        let scale = q.scalars.map(abs).max() ?? 0

        if json {
            var object: [String: Any] = [
                "size": [size.width, size.height], "latent": [h, w], "threads": Parallel.threadCount,
                "precision": "\(compute.precision)", "runs": runs, "nominal_tflop": nominal / 1e12,
                "im2col_over_winograd_median": ratio, "max_abs_difference": difference, "max_abs_picture": scale,
                "load_before": loadBefore, "load_after": loadAfter, "peak_rss_mb": peakResidentBytes() / 1e6,
            ]
            for a in algorithms {
                object["\(a.rawValue)_s"] = seconds[a]!
                object["\(a.rawValue)_s_best"] = best(a)
                object["\(a.rawValue)_s_median"] = median(a)
                object["\(a.rawValue)_effective_gflops"] = nominal / median(a) / 1e9
                object["\(a.rawValue)_executed_tflop"] = executed(a) / 1e12
                object["\(a.rawValue)_executed_gflops"] = executed(a) / median(a) / 1e9
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("SD3 VAE decode, latent \(h)×\(w) → \(size.width)×\(size.height), \(Parallel.threadCount) threads, \(compute.precision), random weights, untiled")
            print(String(format: "  load average %@ before, %@ after", loadBefore.map { String(format: "%.2f", $0) }.joined(separator: " "),
                         loadAfter.map { String(format: "%.2f", $0) }.joined(separator: " ")))
            for a in algorithms {
                print(String(format: "  %-8@ %7.2f s median (best %.2f, runs %@) → %6.1f GFLOP/s effective (%.3f TFLOP nominal); products %.3f TFLOP at %.1f GFLOP/s",
                             a.rawValue as NSString, median(a), best(a), seconds[a]!.map { String(format: "%.2f", $0) }.joined(separator: ", "),
                             nominal / median(a) / 1e9, nominal / 1e12, executed(a) / 1e12, executed(a) / median(a) / 1e9))
            }
            print(String(format: "  im2col / Winograd: %.2f× (medians)", ratio))
            print(String(format: "  max |Winograd − im2col| %.3g (max |picture| %.3g); peak RSS %.0f MB", difference, scale, peakResidentBytes() / 1e6))
        }
    }

    /// The 1, 5 and 15 minute load averages (empty where /proc is not available).
    func loadAverage() -> [Double] {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return [] }
        return text.split(separator: " ").prefix(3).compactMap { Double($0) }
    }
}

extension ConvolutionAlgorithm: ExpressibleByArgument {}
