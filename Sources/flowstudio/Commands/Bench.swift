import Generation
import ArgumentParser
import Foundation
import FlowCore
import MMDiT
import RectifiedFlow
import Training

/// `flowstudio bench`: performance measurements that print ratios against baselines measured in the same run.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks (each prints its configuration, threads and a baseline from the same run).",
        subcommands: [BenchForward.self, BenchSample.self, BenchTrain.self, BenchGenerate.self, BenchVAE.self, BenchHalfGEMM.self])
}

/// The shape of a randomly initialised MM-DiT to benchmark.
struct BenchModelOptions: ParsableArguments {
    @Option(help: "Blocks; hidden size 64·depth, heads = depth.")
    var depth: Int = 4
    @Option(parsing: .upToNextOption, help: "Latent height and width in latent pixels (e.g. --latent 64 64 for a 512² SD3 image).")
    var latent: [Int] = [16, 16]
    @Option(help: "Text tokens (333 for SD3: 77 CLIP + 256 T5).")
    var context: Int = 16
    @Option(help: "Width of the text tokens.")
    var contextDim: Int = 4096
    @Option(help: "Width of the pooled text vector.")
    var pooledDim: Int = 2048
    @Option(help: "Batch size.")
    var batch: Int = 1
    @Flag(help: "Per-head RMSNorm on q and k (SD3.5).")
    var qkNorm = false
    @Option(help: "How the random linear weights are held: float32, bfloat16, float16, q8_0 or q4_0 (16-bit and GGUF-block weights are widened a block of rows at a time and multiplied by sgemm in blockWeightGEMM, or in bfloat16 under --precision bfloat16/auto on an AVX512_BF16 CPU; q8_0 / q4_0 are quantized as the gguf package does).")
    var weights: HeldWeights = .float32

    func validate() throws {
        guard latent.count == 2, latent.allSatisfy({ $0 >= 2 && $0 % 2 == 0 }) else {
            throw ValidationError("--latent takes two even sizes, height and width (got \(latent))")
        }
        guard depth >= 1, depth <= 64 else { throw ValidationError("--depth must be 1…64 (got \(depth))") }
        guard context >= 1, contextDim >= 1, pooledDim >= 1, batch >= 1 else {
            throw ValidationError("--context, --context-dim, --pooled-dim and --batch must be positive")
        }
    }

    var config: MMDiTConfig {
        MMDiTConfig(depth: depth, contextDim: contextDim, pooledDim: pooledDim,
                    posEmbedMaxSize: max(192, latent.max()! / 2), qkNorm: qkNorm)
    }

    /// A model of this shape with uniform random weights scaled like PyTorch's default init,
    /// its linear weights held as `--weights` says, its products in what `choice` resolves to.
    func randomModel(choice: PrecisionChoice, weights: HeldWeights? = nil) throws -> MMDiT {
        let weights = weights ?? self.weights
        var stream: UInt64 = 0
        var model = try MMDiT(config: config, matrices: weights.matrices) { key, shape in
            stream += 1
            let fanIn = shape.count >= 2 ? shape.dropFirst().reduce(1, *) : shape.last!
            let bound = key.contains("norm") && shape.count == 1 ? 1 : 1 / Float(fanIn).squareRoot()
            var t = Noise.uniform(shape: shape, bound: bound, seed: 42, stream: stream)
            if bound == 1 && key.contains("norm") { t = Tensor(repeating: 1, shape: shape) }
            return t
        }
        model.precision = choice.resolved(halfWeights: weights.isHalf)
        return model
    }
}

struct BenchForward: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "Time one MM-DiT forward on random weights; compare with OpenBLAS sgemm measured in the same run.",
        discussion: """
        Reports the median of --runs forwards after --warmup, effective GFLOP/s (matrix products and \
        attention), and the sgemm GFLOP/s of the model's largest product (the MLP up-projection) \
        measured right after, with the same threads, so the fraction of machine peak is visible. \
        Tests/Reference/bench_pytorch.py runs the same configuration through diffusers and prints the ratio.
        """)

    @OptionGroup var model: BenchModelOptions
    @OptionGroup var compute: ComputeOptions
    @Option(help: "Untimed forwards before measuring.")
    var warmup: Int = 1
    @Option(help: "Timed forwards (the median is reported).")
    var runs: Int = 5
    @Option(parsing: .upToNextOption, help: "Also build the same random model with its weights held these ways (e.g. --alternate bfloat16 q8_0) and alternate their forwards with the --weights one in this run: each kind's median and its ratio to --weights, and, when float32 is among the kinds, each other kind's output error against the float32 output (relative L2 and max; memory: every model is held at once).")
    var alternate: [HeldWeights] = []
    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        compute.apply()
        let config = model.config
        let network = try model.randomModel(choice: compute.precisionChoice)
        let others = try alternate.map { try model.randomModel(choice: compute.precisionChoice, weights: $0) }
        let (h, w) = (model.latent[0], model.latent[1])
        let latents = Noise.gaussian(shape: [model.batch, config.inChannels, h, w], seed: 1)
        let context = Noise.gaussian(shape: [model.batch, model.context, config.contextDim], seed: 2)
        let pooled = Noise.gaussian(shape: [model.batch, config.pooledDim], seed: 3)
        let timesteps = [Float](repeating: 500, count: model.batch)
        let models = [network] + others
        // Every model's output (the same input each run, so any run's): the errors against float32.
        var outputs = [Tensor?](repeating: nil, count: models.count)
        func forward(_ i: Int) throws {
            outputs[i] = try models[i](latents: latents, context: context, pooled: pooled, timesteps: timesteps)
        }

        for _ in 0..<warmup { for i in models.indices { try forward(i) } }
        var allTimes = [[Double]](repeating: [], count: models.count)
        for _ in 0..<max(1, runs) {
            for i in models.indices { allTimes[i].append(try measureSeconds { try forward(i) }) }
        }
        let medians = allTimes.map { $0.sorted()[$0.count / 2] }
        let times = allTimes[0], median = medians[0]
        let kinds = [model.weights] + alternate
        let errors = Self.errorsAgainstFloat32(kinds: kinds, outputs: outputs.map { $0! })
        func errorFields(_ i: Int) -> [String: Any] {
            guard let e = errors[i] else { return [:] }
            return ["relative_l2_error": e.l2, "relative_max_error": e.max]
        }
        let alternated: [[String: Any]] = zip(alternate, zip(others, medians.dropFirst())).enumerated().map { j, element in
            let (kind, pair) = element
            return ["weights": kind.rawValue, "ms_median": pair.1 * 1000, "weight_mb": Double(pair.0.heldWeightBytes) / 1e6,
                    "time_over_first": pair.1 / median, "precision": "\(pair.0.precision)"].merging(errorFields(j + 1)) { a, _ in a }
        }
        let flops = config.forwardFLOPs(batch: model.batch, latentHeight: h, latentWidth: w, contextTokens: model.context)
        let tokens = model.batch * (h / config.patchSize) * (w / config.patchSize)
        let sgemmRate = measureSgemmGFLOPs(m: tokens, n: config.mlpHiddenSize, k: config.hiddenSize, precision: network.precision)
        let gflops = flops / median / 1e9
        let weightBytes = Double(network.parameterCount) * 4
        let heldBytes = Double(network.heldWeightBytes)
        let peak = peakResidentBytes()

        if json {
            let object: [String: Any] = [
                "depth": config.depth, "hidden": config.hiddenSize, "latent": [h, w], "context": model.context,
                "context_dim": config.contextDim, "pooled_dim": config.pooledDim, "batch": model.batch,
                "threads": Parallel.threadCount, "params": network.parameterCount,
                "ms_median": median * 1000, "ms_all": times.map { $0 * 1000 }, "gflops": gflops,
                "sgemm_gflops": sgemmRate, "fraction_of_sgemm": gflops / sgemmRate,
                "peak_rss_mb": peak / 1e6, "fp32_weight_mb": weightBytes / 1e6, "weight_mb": heldBytes / 1e6,
                "weights": model.weights.rawValue, "precision": "\(network.precision)", "alternated": alternated,
            ].merging(errorFields(0)) { a, _ in a }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("MM-DiT forward: \(config)")
            print("  batch \(model.batch), latent \(h)×\(w) (\(tokens / model.batch) image tokens), \(model.context) text tokens, \(Parallel.threadCount) threads")
            print("  params \(network.parameterCount): weights held in \(model.weights) (\(String(format: "%.1f", heldBytes / 1e6)) MB; \(String(format: "%.1f", weightBytes / 1e6)) MB in fp32), products in \(network.precision)")
            print(String(format: "  forward: %.2f ms median of %d (min %.2f, max %.2f)", median * 1000, times.count,
                         times.min()! * 1000, times.max()! * 1000))
            print(String(format: "  %.1f GFLOP per forward → %.1f GFLOP/s", flops / 1e9, gflops))
            print(String(format: "  sgemm baseline [%d×%d]·[%d×%d]ᵀ: %.1f GFLOP/s → forward runs at %.0f%% of it",
                         tokens, config.hiddenSize, config.mlpHiddenSize, config.hiddenSize, sgemmRate, 100 * gflops / sgemmRate))
            print(String(format: "  peak RSS %.0f MB = %.2f× the weights as held (%.0f MB)", peak / 1e6, peak / heldBytes, heldBytes / 1e6)
                  + (others.isEmpty ? "" : String(format: " (all %d models: %.0f MB held)", models.count,
                                                   Double(models.reduce(0) { $0 + $1.heldWeightBytes }) / 1e6)))
            for (kind, pair) in zip(alternate, zip(others, medians.dropFirst())) {
                print(String(format: "  alternated: weights %@ (%.1f MB), products in %@: %.2f ms median = %.3f× the %@ forward",
                             kind.rawValue as NSString, Double(pair.0.heldWeightBytes) / 1e6, "\(pair.0.precision)" as NSString,
                             pair.1 * 1000, pair.1 / median, model.weights.rawValue as NSString))
            }
            if kinds.count > 1 {
                if let reference = kinds.firstIndex(of: .float32) {
                    print("  output error against the float32 weights' output (same input), ‖y−y₃₂‖/‖y₃₂‖ and max|y−y₃₂|/max|y₃₂|:")
                    for (i, kind) in kinds.enumerated() where i != reference {
                        guard let e = errors[i] else { continue }
                        print("    " + kind.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
                              + String(format: "products in %@: relative L2 %.2e, max %.2e", "\(models[i].precision)" as NSString, e.l2, e.max))
                    }
                } else {
                    print("  no output errors: float32 is not among the kinds (add it, e.g. --weights float32 --alternate …, to compare against it)")
                }
            }
        }
    }
}

extension BenchForward {
    /// Each output's error against the output of the first float32-weights model among `kinds`
    /// (nil for that one, and for every output when float32 is not among them).
    static func errorsAgainstFloat32(kinds: [HeldWeights], outputs: [Tensor]) -> [RelativeError?] {
        guard let reference = kinds.firstIndex(of: .float32) else { return outputs.map { _ in nil } }
        return outputs.indices.map { $0 == reference ? nil : RelativeError(outputs[$0], reference: outputs[reference]) }
    }
}

struct BenchSample: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Time the sampler against the same number of bare forwards measured in the same run.",
        discussion: """
        Runs --steps forwards of the batch the sampler uses (2 with CFG), then the full sampler with         per-step reports, and prints the sampler's overhead over the forwards alone.
        """)

    @OptionGroup var model: BenchModelOptions
    @OptionGroup var sampling: SD3SamplingOptions
    @OptionGroup var compute: ComputeOptions
    @Option(help: "Repetitions of each measurement (the median is reported).")
    var runs: Int = 3

    func run() throws {
        compute.apply()
        let config = model.config
        let network = try model.randomModel(choice: compute.precisionChoice)
        let (h, w) = (model.latent[0], model.latent[1])
        let noise = Noise.gaussian(shape: [model.batch, config.inChannels, h, w], seed: 1)
        let positive = TextConditioning(context: Noise.gaussian(shape: [model.batch, model.context, config.contextDim], seed: 2),
                                        pooled: Noise.gaussian(shape: [model.batch, config.pooledDim], seed: 3))
        let negative = positive.zeros
        let sampler = try sampling.makeSampler()
        let batch = sampler.usesGuidance ? 2 * model.batch : model.batch
        let calls = sampler.kind.modelCalls(steps: sampling.steps)
        let forwardInput = Noise.gaussian(shape: [batch, config.inChannels, h, w], seed: 4)
        let forwardContext = Noise.gaussian(shape: [batch, model.context, config.contextDim], seed: 5)
        let forwardPooled = Noise.gaussian(shape: [batch, config.pooledDim], seed: 6)

        func bareForwards() throws {
            for i in 0..<calls {
                _ = try network(latents: forwardInput, context: forwardContext, pooled: forwardPooled,
                                timesteps: [Float](repeating: Float(1000 - i), count: batch))
            }
        }
        func sample() throws {
            _ = try sampler.sample(model: network, noise: noise, positive: positive, negative: negative) { _ in true }
        }
        try bareForwards()  // warm-up
        var forwardTimes: [Double] = [], sampleTimes: [Double] = []
        for _ in 0..<max(1, runs) {
            forwardTimes.append(try measureSeconds(bareForwards))
            sampleTimes.append(try measureSeconds(sample))
        }
        let f = forwardTimes.sorted()[forwardTimes.count / 2], s = sampleTimes.sorted()[sampleTimes.count / 2]
        print("sampler: \(sampling.sampler.rawValue), \(sampling.steps) steps, CFG \(sampling.cfg) (\(calls) forwards of batch \(batch)), \(Parallel.threadCount) threads")
        print("model: \(config), latent \(h)×\(w), \(model.context) text tokens")
        print(String(format: "  %d bare forwards: %.1f ms   sampler: %.1f ms   overhead: %+.2f%%", calls, f * 1000, s * 1000, 100 * (s - f) / f))
    }
}

struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training throughput (samples/s) of the demo-model recipe: forward, backward, clipping, AdamW and EMA.",
        discussion: "Tests/Reference/bench_train_pytorch.py trains the same configuration with PyTorch and prints the ratio.")

    @Option(help: "MM-DiT blocks (hidden 64·depth).") var depth = 4
    @Option(help: "Patch side in pixels.") var patch = 8
    @Option(help: "Image side in pixels.") var image = 64
    @Option(help: "Batch size.") var batch = 64
    @Option(help: "Text encoder layers.") var textLayers = 2
    @Option(help: "Untimed steps first.") var warmup = 2
    @Option(help: "Timed steps.") var steps = 10
    @Flag(help: "Print one JSON object.") var json = false
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        compute.apply()
        var options = TrainingOptions()
        options.depth = depth
        options.patchSize = patch
        options.resolution = image
        options.batchSize = batch
        options.textLayers = textLayers
        try options.validate()
        let batches = try ShapesBatches(options: options)
        let data = (0..<2).map { batches.trainingBatch(step: $0) }  // data generation is not timed
        /// Samples/s (median step) and the first step's loss, from the same initial weights.
        func measure(_ precision: MatrixPrecision) throws -> (rate: Double, medianSeconds: Double, firstLoss: Float, params: Int) {
            try precision.checkAvailable()
            let model = try DemoModelTraining(transformer: options.transformerConfig,
                                              text: options.textConfig(vocabularySize: batches.tokenizer.vocabularySize))
            model.precision = precision
            model.params.randomizeForTesting(seed: 1)
            let adam = AdamW(parameterCount: model.params.count)
            let ema = ExponentialMovingAverage(model.params, decay: 0.999)
            var firstLoss: Float = 0
            func step(_ i: Int) {
                model.params.zeroGrads()
                let loss = model.loss(data[i % data.count], backward: true)
                if i == 0 { firstLoss = loss }
                clipGradientNorm(model.params, maxNorm: 1)
                adam.update(model.params, lr: 1e-4)
                ema.update(model.params, step: i + 1)
            }
            for i in 0..<warmup { step(i) }
            var times: [Double] = []
            for i in 0..<steps { times.append(measureSeconds { step(warmup + i) }) }
            let median = times.sorted()[times.count / 2]
            return (Double(batch) / median, median, firstLoss, model.params.count)
        }
        // Mixed precision is measured against float32 in the same run.
        let baseline = compute.precision == .bfloat16 ? try measure(.float32) : nil
        let result = try measure(compute.precision)
        let dtype = compute.precision == .bfloat16 ? "bf16-mixed" : "float32"
        if json {
            var object: [String: Any] = ["samples_per_s": result.rate, "ms_per_step": result.medianSeconds * 1000, "batch": batch,
                                         "threads": Parallel.threadCount, "params": result.params, "dtype": dtype,
                                         "depth": depth, "patch": patch, "image": image]
            if let baseline {
                object["float32_samples_per_s"] = baseline.rate
                object["ratio_over_float32"] = result.rate / baseline.rate
                object["first_loss_relative_difference"] = Double(abs(result.firstLoss - baseline.firstLoss) / baseline.firstLoss)
            }
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print("training step: \(options.transformerConfig) + text encoder \(textLayers) layers, \(result.params) params")
            print("  batch \(batch) of \(image)² images (\((image / patch) * (image / patch)) image tokens + \(options.textLength) text tokens), \(Parallel.threadCount) threads")
            if let baseline {
                print(String(format: "  float32 (baseline): %.1f ms per step (median of %d) → %.1f samples/s", baseline.medianSeconds * 1000, steps, baseline.rate))
                print(String(format: "  bfloat16 mixed:     %.1f ms per step (median of %d) → %.1f samples/s  (%.2f× float32; first-step loss %.5f vs %.5f)",
                             result.medianSeconds * 1000, steps, result.rate, result.rate / baseline.rate, result.firstLoss, baseline.firstLoss))
            } else {
                print(String(format: "  %.1f ms per step (median of %d) → %.1f samples/s", result.medianSeconds * 1000, steps, result.rate))
            }
        }
    }
}

/// Wall-clock seconds of one call.
func measureSeconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// GFLOP/s of `C[m,n] = A[m,k]·B[n,k]ᵀ` with the current thread settings (median of a few runs
/// after a warm-up, repeated to last at least ~50 ms each).
func measureSgemmGFLOPs(m: Int, n: Int, k: Int, precision: MatrixPrecision) -> Double {
    let a = Noise.uniform(shape: [m, k], bound: 1, seed: 7)
    let b = Noise.uniform(shape: [n, k], bound: 1, seed: 8)
    var c = [Float](repeating: 0, count: m * n)
    let flops = 2 * Double(m) * Double(n) * Double(k)
    func once() {
        a.scalars.withUnsafeBufferPointer { pa in
            b.scalars.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    sgemm(m: m, n: n, k: k, a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: k,
                          transposeB: true, c: pc.baseAddress!, ldc: n, precision: precision)
                }
            }
        }
    }
    once()
    let repeats = max(1, Int(0.05 / max(measureSeconds(once), 1e-6)))
    var rates: [Double] = []
    for _ in 0..<5 {
        let seconds = measureSeconds { for _ in 0..<repeats { once() } }
        rates.append(flops * Double(repeats) / seconds / 1e9)
    }
    return rates.sorted()[rates.count / 2]
}

/// The process's peak resident set (VmHWM), in bytes; 0 where /proc is not available.
func peakResidentBytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          // "VmHWM:\t  8599 kB", or "VmHWM:\t10123456 kB" with no space once it passes 10 GB.
          let kb = Double(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") else { return 0 }
    return kb * 1024
}

/// `flowstudio bench gemm`: the product over 16-bit weights (`halfWeightGEMM`) against OpenBLAS
/// sgemm over the same weights in float32, on the MM-DiT's linear shapes, alternated in one run.
struct BenchHalfGEMM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm",
        abstract: "Time products over bfloat16 / float16 / Q8_0 weights against float32 sgemm on the MM-DiT's shapes (same run).",
        discussion: """
        For each linear layer shape of an MM-DiT of --depth (hidden 64·depth) with --tokens rows \
        (default: batch 2 with CFG of a 512² image and 333 text tokens, image and text streams \
        separately), times y = x·Wᵀ with W in float32 (sgemm), bfloat16 and float16 (halfWeightGEMM), \
        bfloat16 with a widening buffer allocated per call (the per-thread scratch's baseline) and Q8_0 \
        blocks (blockWeightGEMM), alternating them --rounds times, and prints the median time of each \
        and the ratios.
        """)

    @Option(help: "Blocks of the MM-DiT whose shapes are measured (hidden 64·depth).")
    var depth: Int = 24
    @Option(parsing: .upToNextOption, help: "Row counts (tokens over the batch) to measure.")
    var tokens: [Int] = [2048, 666]
    @Option(help: "Alternated rounds (the median is reported).")
    var rounds: Int = 5
    @Flag(help: "Print one JSON object instead of text.")
    var json = false
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard depth >= 1, depth <= 64, rounds >= 1, !tokens.isEmpty, tokens.allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("--depth 1…64, --rounds ≥ 1 and positive --tokens")
        }
    }

    func run() throws {
        compute.apply()
        let d = 64 * depth
        // (name, out, in): q|k|v, attention output, MLP up and down, the block's AdaLN (rows = batch).
        let layers = [("qkv", 3 * d, d), ("out", d, d), ("mlp.up", 4 * d, d), ("mlp.down", d, 4 * d)]
        var rows: [[String: Any]] = []
        if !json { print("products over 16-bit weights vs float32 sgemm, \(Parallel.threadCount) threads, median of \(rounds) alternated rounds") }
        for m in tokens + [2] {
            for (name, n, k) in (m == 2 ? [("adaLN", 6 * d, d)] : layers) {
                let x = Noise.uniform(shape: [m, k], bound: 1, seed: 1)
                let w = Noise.uniform(shape: [n, k], bound: 0.05, seed: 2)
                let bf = Float16Conversion.bfloat16Bits(w.scalars), f16 = Float16Conversion.float16Bits(w.scalars)
                let q8 = GGUFQuantize.quantize(.q8_0, w.scalars)
                let xs = FloatBuffer(x), y = FloatBuffer(m * n)
                func time(_ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> Double {
                    func once() { body(xs.p, y.p) }
                    let repeats = max(1, Int(0.1 / max(measureSeconds(once), 1e-6)))
                    return measureSeconds { for _ in 0..<repeats { once() } } / Double(repeats)
                }
                var times: [[Double]] = [[], [], [], [], []]
                for _ in 0..<rounds {
                    times[0].append(time { a, c in
                        w.scalars.withUnsafeBufferPointer { pw in
                            sgemm(m: m, n: n, k: k, a: a, lda: k, b: pw.baseAddress!, ldb: k, transposeB: true, c: c, ldc: n)
                        }
                    })
                    for (i, (bits, storage)) in [(bf, ParameterStorage.bfloat16), (f16, .float16)].enumerated() {
                        times[i + 1].append(time { a, c in
                            bits.withUnsafeBufferPointer { pw in
                                halfWeightGEMM(m: m, n: n, k: k, a: a, lda: k, w: pw.baseAddress!, storage: storage, c: c, ldc: n)
                            }
                        })
                    }
                    // bf16 again with a widening buffer allocated per call (before the per-thread scratch).
                    times[3].append(time { a, c in
                        bf.withUnsafeBytes { pw in
                            blockWeightGEMM(m: m, n: n, k: k, a: a, lda: k, w: pw.baseAddress!, storage: .bfloat16, c: c, ldc: n,
                                            reuseScratch: false)
                        }
                    })
                    times[4].append(time { a, c in
                        q8.withUnsafeBytes { pw in
                            blockWeightGEMM(m: m, n: n, k: k, a: a, lda: k, w: pw.baseAddress!, storage: .blocks(.q8_0), c: c, ldc: n)
                        }
                    })
                }
                let medians = times.map { $0.sorted()[$0.count / 2] }
                let gflops = 2 * Double(m) * Double(n) * Double(k) / medians[0] / 1e9
                rows.append(["layer": name, "m": m, "n": n, "k": k, "float32_ms": medians[0] * 1000,
                             "bfloat16_ms": medians[1] * 1000, "float16_ms": medians[2] * 1000,
                             "bfloat16_over_float32": medians[1] / medians[0], "float16_over_float32": medians[2] / medians[0],
                             "float32_gflops": gflops, "bfloat16_scratch_per_call_ms": medians[3] * 1000,
                             "bfloat16_over_scratch_per_call": medians[1] / medians[3], "q8_0_ms": medians[4] * 1000,
                             "q8_0_over_float32": medians[4] / medians[0]])
                if !json {
                    print(String(format: "  %-9@ [%5d×%5d]·[%5d×%5d]ᵀ  float32 %8.2f ms (%5.1f GFLOP/s)   bf16 weights %8.2f ms (%.3f×)   f16 weights %8.2f ms (%.3f×)",
                                 name as NSString, m, k, n, k, medians[0] * 1000, gflops, medians[1] * 1000, medians[1] / medians[0],
                                 medians[2] * 1000, medians[2] / medians[0]))
                    print(String(format: "  %-9@ %@ bf16 with a per-call buffer %8.2f ms (reused scratch: %.3f× of it)   Q8_0 blocks %8.2f ms (%.3f× float32)",
                                 "" as NSString, String(repeating: " ", count: 26) as NSString, medians[3] * 1000, medians[1] / medians[3],
                                 medians[4] * 1000, medians[4] / medians[0]))
                }
            }
        }
        if json {
            let object: [String: Any] = ["threads": Parallel.threadCount, "depth": depth, "rounds": rounds, "shapes": rows]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        }
    }
}
