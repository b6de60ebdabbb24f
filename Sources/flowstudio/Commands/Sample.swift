import Generation
import ArgumentParser
import Foundation
import FlowCore
import MMDiT
import RectifiedFlow

/// `flowstudio sample`: the full denoising loop on saved prompt embeddings and initial noise.
struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the rectified-flow sampler on saved embeddings (reproduces diffusers' SD3 pipeline loop).",
        discussion: """
        --inputs holds latents (the initial noise, [B,C,H,W]), encoder_hidden_states [B,L,Dctx], \
        pooled_projections [B,Dpool], and optionally negative_encoder_hidden_states and \
        negative_pooled_projections (zeros when absent). Writes the final latents. \
        With --noise and --seed the initial noise is drawn instead (torch: as \
        torch.manual_seed(seed); torch.randn(shape) on the CPU), in the shape of `latents` when the \
        file has them (their values are then not used), else --latent-size.
        """)

    @Option(help: "MM-DiT weights (.safetensors, diffusers or Stability layout).")
    var model: String
    @Option(help: "Input tensors (.safetensors).")
    var inputs: String
    @Option(help: "Where to write the final latents (.safetensors).")
    var out: String
    @OptionGroup var sampling: SD3SamplingOptions
    @Option(help: ArgumentHelp(NoiseSource.help.abstract + " Draws the initial latents from --seed instead of reading them."))
    var noise: NoiseSource?
    @Option(parsing: .unconditional, help: "Seed for --noise, 0 to 18446744073709551615.")
    var seed: UInt64?
    @Option(help: "Latent size HxW for --noise when --inputs has no latents, e.g. 128x128 (a 1024² image).")
    var latentSize: String?
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        if noise != nil, seed == nil { throw ValidationError("--noise needs --seed") }
        if noise == nil, seed != nil || latentSize != nil { throw ValidationError("--seed and --latent-size go with --noise") }
        if let latentSize, parsedLatentSize(latentSize) == nil {
            throw ValidationError("--latent-size must be HxW with positive whole numbers, e.g. 128x128 (got '\(latentSize)')")
        }
    }

    func parsedLatentSize(_ text: String) -> (height: Int, width: Int)? {
        let parts = text.split(separator: "x")
        guard parts.count == 2, let h = Int(parts[0]), let w = Int(parts[1]), h > 0, w > 0 else { return nil }
        return (h, w)
    }

    /// The initial latents: drawn by `--noise` from `--seed`, else read from `latents`.
    func initialNoise(_ file: SafeTensorsFile, batch: Int, channels: Int) throws -> Tensor {
        guard let noise, let seed else {
            return try file.required("latents", needs: "latents (or --noise and --seed), encoder_hidden_states and pooled_projections")
        }
        let shape: [Int]
        if let fileShape = file.shape(of: "latents") {
            shape = fileShape
        } else if let size = latentSize.flatMap(parsedLatentSize) {
            shape = [batch, channels, size.height, size.width]
        } else {
            throw CLIError("--noise needs the latent shape: `latents` in --inputs or --latent-size HxW")
        }
        return noise.gaussian(shape: shape, seed: seed)
    }

    func run() throws {
        compute.apply()
        let network = try MMDiT(weights: diffusersView(of: SafeTensorsFile(contentsOf: fileURL(model, option: "--model"))),
                                precision: compute.precision)
        let file = try SafeTensorsFile(contentsOf: fileURL(inputs, option: "--inputs"))
        func input(_ name: String) throws -> Tensor {
            try file.required(name, needs: "latents, encoder_hidden_states and pooled_projections")
        }
        let positive = TextConditioning(context: try input("encoder_hidden_states"), pooled: try input("pooled_projections"))
        let initial = try initialNoise(file, batch: positive.context.shape.first ?? 1, channels: network.config.inChannels)
        var negative = positive.zeros
        if file.contains("negative_encoder_hidden_states") { negative.context = try input("negative_encoder_hidden_states") }
        if file.contains("negative_pooled_projections") { negative.pooled = try input("negative_pooled_projections") }
        try network.validateInputs(latents: initial.shape, context: positive.context.shape, pooled: positive.pooled.shape,
                                   timesteps: initial.shape.first ?? 0)
        guard negative.context.shape == positive.context.shape, negative.pooled.shape == positive.pooled.shape else {
            throw CLIError("negative embeddings \(describeShape(negative.context.shape)) / \(describeShape(negative.pooled.shape)) must have the shapes of the positive ones \(describeShape(positive.context.shape)) / \(describeShape(positive.pooled.shape))")
        }
        let sampler = try sampling.makeSampler()
        let bar = ProgressLine()
        let outcome = try sampler.sample(model: network, noise: initial, positive: positive, negative: negative) { step in
            bar.update(done: step.index + 1, total: step.count, label: String(format: "σ %.4f", step.sigma))
            return true
        }
        bar.finish()
        guard let latents = outcome.latents else { throw CLIError("sampling was cancelled") }
        var metadata = sampling.metadata
        if let noise, let seed {
            metadata["noise"] = noise.rawValue
            metadata["seed"] = "\(seed)"
        }
        try SafeTensors.write(["latents": latents], metadata: metadata, to: try fileURL(out, option: "--out"))
        print("wrote latents \(describeShape(latents.shape)) to \(out)")
    }
}

/// Steps, guidance, shift and solver for `sample`, with SD3's defaults.
struct SD3SamplingOptions: ParsableArguments {
    @Option(help: "Denoising steps (1–1000).")
    var steps: Int = 28
    @Option(help: "Classifier-free guidance scale (≥ 0; guidance runs when > 1, as in diffusers).")
    var cfg: Float = 7.0
    @Option(help: "Schedule shift s (SD3: 3.0).")
    var shift: Double = 3.0
    @Option(help: "ODE solver: euler or heun.")
    var sampler: SamplerKind = .euler

    func validate() throws { try validateSampling(steps: steps, cfg: cfg, shift: shift) }

    func makeSampler() throws -> FlowSampler {
        try FlowSampler(schedule: SigmaSchedule(steps: steps, shift: shift), guidanceScale: cfg, kind: sampler)
    }

    var metadata: [String: String] {
        ["steps": "\(steps)", "cfg": "\(cfg)", "shift": "\(shift)", "sampler": sampler.rawValue, "producer": "flowstudio sample"]
    }
}

extension SamplerKind: ExpressibleByArgument {}
