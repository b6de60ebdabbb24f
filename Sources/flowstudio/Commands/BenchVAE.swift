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
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard size.width % 8 == 0, size.height % 8 == 0 else {
            throw ValidationError("--size needs multiples of 8 (got \(size.width)x\(size.height))")
        }
        guard runs >= 1, runs <= 100 else { throw ValidationError("--runs must be 1…100 (got \(runs))") }
    }

    func run() throws {
        compute.apply()
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
        let algorithms: [ConvolutionAlgorithm] = [.winograd, .im2col]
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
