import ArgumentParser
import Foundation
import FlowCore
import Generation
import MMDiT
import RectifiedFlow
import TextEncoders
import VAE

/// `flowstudio bench generate`: one SD3-family image's phases with random weights at full size
/// (no download): each text encoder, sampling steps with CFG, the VAE decode, and peak memory.
struct BenchGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Time an SD3-family text-to-image run with random weights at full size: encoders, steps, VAE decode, peak memory.",
        discussion: """
        The encoders run one after another and each is released before the next, as FlowStudio runs \
        them when memory is tight; then the MM-DiT samples --steps steps with CFG (batch 2; with \
        --slg a third, batch-1 forward), then the VAE decodes. T5-XXL alone holds 19 GB in float32; \
        --no-t5 leaves it out. Compare the encoders with PyTorch: Tests/Reference/bench_pytorch_encoders.py; \
        the VAE: Tests/Reference/bench_vae_pytorch.py; the MM-DiT: Tests/Reference/bench_pytorch.py.
        """)

    @Option(help: "sd3-medium, sd3.5-medium, sd3.5-large or sd3.5-large-turbo.") var family: String = "sd3.5-medium"
    @Option(help: "Image size WIDTHxHEIGHT.") var size: ImageSize = ImageSize(argument: "512x512")!
    @Option(help: "Sampling steps to time (the median is reported).") var steps = 2
    @Option(help: "CFG scale (guidance, batch 2, when > 1).") var cfg: Float = 4.5
    @Flag(name: .customLong("no-t5"), help: "Leave T5-XXL out.") var noT5 = false
    @Flag(help: "Skip-layer guidance on layers 7,8,9 (a third forward on the guided steps).") var slg = false
    @Flag(help: "Print one JSON object instead of text.") var json = false
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard let f = SD3Family(rawValue: family), f.transformerConfig != nil else {
            throw ValidationError("--family must be sd3-medium, sd3.5-medium, sd3.5-large or sd3.5-large-turbo (got \(family))")
        }
        guard steps >= 1, steps <= 100 else { throw ValidationError("--steps must be 1…100 (got \(steps))") }
        guard size.width % 16 == 0, size.height % 16 == 0 else { throw ValidationError("--size needs multiples of 16 (got \(size.width)x\(size.height))") }
    }

    func run() throws {
        compute.apply()
        let f = SD3Family(rawValue: family)!
        let transformerConfig = f.transformerConfig!
        let precision = compute.precision
        var phases: [(name: String, seconds: Double, weightBytes: Double)] = []
        var stream: UInt64 = 0
        func random(_ key: String, _ shape: [Int]) -> Tensor {
            stream += 1
            let fanIn = shape.count >= 2 ? shape.dropFirst().reduce(1, *) : max(1, shape.last ?? 1)
            if shape.count == 1 && (key.contains("norm") || key.contains("layer_norm")) { return Tensor(repeating: 1, shape: shape) }
            return Noise.uniform(shape: shape, bound: 1 / Float(fanIn).squareRoot(), seed: 42, stream: stream)
        }
        func say(_ text: String) { if !json { printError(text) } }

        // Text encoders, one at a time.
        let clipTokens = [49406] + (0..<20).map { 320 + $0 } + [49407] + [Int](repeating: 49407, count: 55)
        for (name, config) in [("CLIP-L", SD3Family.clipLConfig), ("CLIP-G", SD3Family.clipGConfig)] {
            say("making \(name) (random weights)…")
            var model = try CLIPTextModel(config: config, generate: random)
            model.precision = precision
            let seconds = try measureSeconds { _ = try model.encode(clipTokens) }
            phases.append(("\(name) encode (77 tokens)", seconds, Double(model.store.count) * 4))
            say(String(format: "%@ encode: %.2f s", name, seconds))
        }
        if !noT5 {
            say("making T5-XXL (random weights, 19 GB)…")
            var model = try T5Encoder(config: SD3Family.t5Config, generate: random)
            model.precision = precision
            let tokens = (0..<40).map { 100 + $0 } + [1] + [Int](repeating: 0, count: 215)
            let seconds = try measureSeconds { _ = try model.encode(tokens) }
            phases.append(("T5-XXL encode (256 tokens)", seconds, Double(model.store.count) * 4))
            say(String(format: "T5-XXL encode: %.2f s", seconds))
        }

        // Sampling steps.
        say("making the \(f) MM-DiT (random weights)…")
        var network = try MMDiT(config: transformerConfig, generate: random)
        network.precision = precision
        let (h, w) = (size.height / 8, size.width / 8)
        let context = Noise.gaussian(shape: [1, 333, transformerConfig.contextDim], seed: 2)
        let pooled = Noise.gaussian(shape: [1, transformerConfig.pooledDim], seed: 3)
        let text = TextConditioning(context: context, pooled: pooled)
        let sampler = try FlowSampler(schedule: SigmaSchedule(steps: steps, shift: 3), guidanceScale: cfg,
                                      skipLayerGuidance: slg ? SkipLayerGuidance(layers: [7, 8, 9], start: 0, stop: 1) : nil)
        var stepTimes: [Double] = []
        var last = DispatchTime.now().uptimeNanoseconds
        let latents = try sampler.sample(model: network, noise: Noise.gaussian(shape: [1, 16, h, w], seed: 1),
                                         positive: text, negative: text.zeros) { _ in
            let now = DispatchTime.now().uptimeNanoseconds
            stepTimes.append(Double(now - last) / 1e9)
            last = now
            say(String(format: "step %d: %.2f s", stepTimes.count, stepTimes.last!))
            return true
        }.latents!
        let perStep = stepTimes.sorted()[stepTimes.count / 2]
        phases.append(("sampling step (CFG\(cfg > 1 ? " batch 2" : " off")\(slg ? " + SLG" : ""))", perStep, Double(network.parameterCount) * 4))

        // VAE decode.
        say("making the VAE decoder (random weights)…")
        let decoder = try VAEDecoder(config: SD3Family.vaeConfig, precision: precision)
        decoder.store.fill(random)
        let decodeSeconds = try measureSeconds { _ = try decoder.decode(latents) }
        phases.append(("VAE decode", decodeSeconds, Double(decoder.store.count) * 4))
        let peak = peakResidentBytes()
        let largestHeld = phases.map(\.weightBytes).max() ?? 0

        if json {
            var object: [String: Any] = [
                "family": family, "size": [size.width, size.height], "threads": Parallel.threadCount, "steps_timed": steps,
                "cfg": cfg, "slg": slg, "t5": !noT5, "precision": "\(precision)",
                "ms_step_median": perStep * 1000, "ms_steps": stepTimes.map { $0 * 1000 },
                "ms_decode": decodeSeconds * 1000, "peak_rss_mb": peak / 1e6, "weight_mb": largestHeld / 1e6,
            ]
            for phase in phases { object["ms " + phase.name] = phase.seconds * 1000 }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("\(f) at \(size.width)×\(size.height), \(Parallel.threadCount) threads, \(precision), random weights at full size")
            for phase in phases {
                print(String(format: "  %-34@ %8.2f s   (weights %.0f MB)", phase.name as NSString, phase.seconds, phase.weightBytes / 1e6))
            }
            print(String(format: "  peak RSS %.0f MB (the largest component held at once: %.0f MB of float32 weights)", peak / 1e6, largestHeld / 1e6))
            let encode = phases.filter { $0.name.contains("encode") }.map(\.seconds).reduce(0, +)
            print(String(format: "  one image of %d steps ≈ %.0f s encode + %.0f s sampling + %.0f s decode", f.defaults.steps,
                         encode, perStep * Double(f.defaults.steps), decodeSeconds))
        }
    }
}
