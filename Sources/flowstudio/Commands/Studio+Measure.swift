import FlowCore
import Foundation
import Generation
import MMDiT
import RectifiedFlow
import Studio

/// `flowstudio studio --measure`: the studio's measurements (`StudioBenchmark`). With an SD3
/// model (`--model PATH`, or `--measure-random FAMILY` for random weights at full size) it
/// measures the keystroke → screen latency while that model samples (`--measure-steps`,
/// `--measure-size`); with the demo model, the whole fast-model suite.
extension StudioCommand {
    func runMeasurement(generator: any ImageGenerator) throws {
        var slow: (any ImageGenerator)?
        if let family = measureRandom {
            guard let f = SD3Family(rawValue: family), let config = f.transformerConfig else {
                throw CLIError("--measure-random must be sd3-medium, sd3.5-medium, sd3.5-large or sd3.5-large-turbo (got \(family))")
            }
            printError("making the \(f) MM-DiT with random weights at full size (\(config))…")
            slow = try Self.randomSD3(family: f, config: config, precision: compute.precision)
        } else if generator is SD3Pipeline {
            slow = generator
        }
        guard let slow else {
            print(try StudioBenchmark.run(generator: generator, slowModel: try RandomPixelGenerator(depth: 6)))
            return
        }
        var settings = slow.defaultSettings
        if let measureSize {
            guard let size = ImageSize(argument: measureSize) else { throw CLIError("--measure-size wants WIDTHxHEIGHT (got \(measureSize))") }
            (settings.width, settings.height) = (size.width, size.height)
        }
        if let measureSteps { settings.steps = measureSteps } else if measureRandom != nil { settings.steps = 1 }
        printError("typing into the studio while \(slow.modelName) samples \(settings.steps) step(s) at \(settings.width)×\(settings.height)…")
        print(StudioBenchmark.keystrokesDuringRun(generator: slow, settings: settings))
    }

    /// An SD3-family pipeline at full size with random weights and no download: the MM-DiT of
    /// `family` (random weights as `bench generate` makes them), the prompt's encoders replaced
    /// by fixed random conditioning (333 × context, pooled), no VAE (previews and the final
    /// image from the linear latent→RGB map). It samples exactly as a real model of that family.
    static func randomSD3(family: SD3Family, config: MMDiTConfig, precision: MatrixPrecision) throws -> SD3Pipeline {
        var stream: UInt64 = 0
        var network = try MMDiT(config: config) { key, shape in
            stream += 1
            let fanIn = shape.count >= 2 ? shape.dropFirst().reduce(1, *) : max(1, shape.last ?? 1)
            if shape.count == 1 && key.contains("norm") { return Tensor(repeating: 1, shape: shape) }
            return Noise.uniform(shape: shape, bound: 1 / Float(fanIn).squareRoot(), seed: 42, stream: stream)
        }
        network.precision = precision
        let model = network
        let defaults = family.defaults
        let settings = GenerationSettings(prompt: "", steps: defaults.steps, cfgScale: defaults.guidance, seed: 1,
                                          shift: defaults.shift, sampler: .euler, width: 512, height: 512)
        let params = String(format: "%.1fB", Double(network.parameterCount) / 1e9)
        return SD3Pipeline(name: "random-\(family.rawValue)", summary: "\(family) (MM-DiT depth \(config.depth), \(params) params, random weights), no encoders, no VAE",
                           hash: "random", defaults: settings, config: config,
                           transformer: LoadedOnDemand(model, reload: { model }),
                           text: RandomConditioning(contextDim: config.contextDim, pooledDim: config.pooledDim), decoder: nil)
    }
}

/// Fixed random text conditioning in place of SD3's three encoders ([1, 333, Dctx], [1, Dpool]).
struct RandomConditioning: SD3TextEncoding {
    let contextDim: Int
    let pooledDim: Int

    func encode(_ prompt: String) throws -> TextConditioning {
        TextConditioning(context: Noise.gaussian(shape: [1, 333, contextDim], seed: 2),
                         pooled: Noise.gaussian(shape: [1, pooledDim], seed: 3))
    }

    func ignoredWords(in prompt: String) -> IgnoredWords { IgnoredWords() }
}
