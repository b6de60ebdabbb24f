import Foundation
import MMDiT
import RectifiedFlow
import TextEncoders

/// Every choice that defines a training run (stored in each checkpoint, so a resume continues
/// the same run). The defaults are what `flowstudio train` uses when no option is given; they
/// are not the bundled model's recipe. Its first phase used them (with `--steps 200000`), and
/// its second phase changed the density (`--timesteps lognorm:1.75,1.25`), the warm-up (500),
/// then the scene mix, the learning rate and the cool-down (the model file records every phase:
/// `flowstudio defaults` prints it; `Training.docc/BundledModel.md` explains it).
public struct TrainingOptions: Codable, Equatable, Sendable {
    /// MM-DiT blocks; hidden 64·depth, heads = depth.
    public var depth = 4
    /// Image side in pixels (the Shapes world is drawn at this size).
    public var resolution = 64
    /// Pixels per patch side: resolution/patch tokens per side.
    public var patchSize = 8
    /// Text encoder layers (width = the MM-DiT's hidden size).
    public var textLayers = 2
    /// Tokens per text sequence.
    public var textLength = 24
    public var batchSize = 64
    /// Optimiser steps in all.
    public var steps = 100_000
    public var learningRate: Float = 3e-4
    /// Linear warm-up steps; the rate is constant afterwards (until the cool-down).
    public var warmupSteps = 1000
    /// The rate falls linearly to zero over the last this many steps (a warm-up–stable–decay
    /// schedule); nil or 0 keeps it constant to the end. Optional so that checkpoints written
    /// before it existed still load.
    public var cooldownSteps: Int?
    public var weightDecay: Float = 0.01
    public var emaDecay: Float = 0.999
    public var gradientClip: Float = 1.0
    /// The timestep density π(t) (`lognorm:0,1`, `uniform`, `mode:1.29`, `cosmap`).
    public var timesteps = "lognorm:0,1"
    public var seed: UInt64 = 0
    /// Probability that a caption is replaced by the empty prompt (for CFG).
    public var captionDropout = 0.1
    /// Probability of dropping each optional caption part.
    public var captionPartDropout = 0.5
    /// How often training draws each kind of scene; nil is `SceneMix.standard` (optional so that
    /// checkpoints written before it existed still load). The validation set always uses the
    /// standard mix, so runs with different mixes stay comparable.
    public var sceneMix: SceneMix?
    /// Validation every this many steps, on this many held-out examples.
    public var validationEvery = 500
    public var validationSize = 256
    /// Checkpoint every this many steps (and on Ctrl-C).
    public var checkpointEvery = 500

    public init() {}

    public var transformerConfig: MMDiTConfig {
        let d = 64 * depth
        return MMDiTConfig(depth: depth, hiddenSize: d, heads: depth, patchSize: patchSize, inChannels: 3, outChannels: 3,
                           contextDim: d, pooledDim: d, posEmbedMaxSize: resolution / patchSize, qkNorm: false,
                           dualAttentionLayers: [], mlpHiddenSize: 4 * d)
    }

    public func textConfig(vocabularySize: Int) -> TextEncoderConfig {
        TextEncoderConfig(vocabularySize: vocabularySize, length: textLength, width: 64 * depth, layers: textLayers,
                          heads: max(1, depth))
    }

    public func density() throws -> TimestepDensity { try TimestepDensity(parsing: timesteps) }

    /// Every option as (name, value), in a fixed order, named as `flowstudio train`'s flags
    /// where there is one: what a phase of the training recipe records.
    public var recipeSettings: [(name: String, value: String)] {
        [("depth", "\(depth)"), ("resolution", "\(resolution)"), ("patch", "\(patchSize)"),
         ("text-layers", "\(textLayers)"), ("text-length", "\(textLength)"), ("batch", "\(batchSize)"),
         ("steps", "\(steps)"), ("lr", "\(learningRate)"), ("warmup", "\(warmupSteps)"),
         ("cooldown", "\(cooldownSteps ?? 0)"), ("weight-decay", "\(weightDecay)"), ("grad-clip", "\(gradientClip)"),
         ("ema", "\(emaDecay)"), ("timesteps", timesteps), ("scene-mix", "\(sceneMix ?? .standard)"),
         ("caption-dropout", "\(captionDropout)"), ("caption-part-dropout", "\(captionPartDropout)"),
         ("seed", "\(seed)"), ("validate-every", "\(validationEvery)"), ("validation-size", "\(validationSize)"),
         ("checkpoint-every", "\(checkpointEvery)")]
    }

    /// The learning rate at `step` (0-based): linear warm-up, constant, then (with a cool-down)
    /// linear decay that reaches lr/cooldown at the last step.
    public func learningRate(at step: Int) -> Float {
        if warmupSteps > 0 && step < warmupSteps { return learningRate * Float(step + 1) / Float(warmupSteps) }
        let cooldown = cooldownSteps ?? 0
        if cooldown > 0 && step >= steps - cooldown { return learningRate * Float(max(1, steps - step)) / Float(cooldown) }
        return learningRate
    }

    /// Checks ranges; the error names the option and the value it got.
    public func validate() throws {
        func require(_ ok: Bool, _ why: @autoclosure () -> String) throws {
            if !ok { throw TrainingError.invalidOption(why()) }
        }
        try require((1...24).contains(depth), "depth must be 1…24 (got \(depth))")
        try require(patchSize >= 1, "the patch size must be ≥ 1 pixel (got \(patchSize))")
        try require(resolution >= 8, "the resolution must be ≥ 8 pixels (got \(resolution))")
        try require(resolution % patchSize == 0, "the resolution \(resolution) must be a multiple of the patch size \(patchSize)")
        try require(batchSize >= 1, "the batch size must be ≥ 1 (got \(batchSize))")
        try require(steps >= 1, "steps must be ≥ 1 (got \(steps))")
        try require(textLayers >= 1, "text layers must be ≥ 1 (got \(textLayers))")
        try require(textLength >= 2, "the text length must be ≥ 2 tokens (got \(textLength))")
        try require(learningRate > 0 && learningRate.isFinite, "the learning rate must be a number > 0 (got \(learningRate))")
        try require(warmupSteps >= 0, "warm-up steps must be ≥ 0 (got \(warmupSteps))")
        try require(weightDecay >= 0 && weightDecay.isFinite, "weight decay must be ≥ 0 (got \(weightDecay))")
        try require((0..<1).contains(emaDecay), "the EMA decay must be in [0, 1), e.g. 0.999 (got \(emaDecay))")
        try require(gradientClip > 0 && gradientClip.isFinite, "the gradient clip must be > 0 (got \(gradientClip))")
        try require((0...1).contains(captionDropout), "the caption dropout must be in 0…1 (got \(captionDropout))")
        try require((0...1).contains(captionPartDropout), "the caption part dropout must be in 0…1 (got \(captionPartDropout))")
        try require((0...steps).contains(cooldownSteps ?? 0), "the cool-down must be 0…\(steps) steps (got \(cooldownSteps ?? 0))")
        try require(validationEvery >= 1, "validation every N steps needs N ≥ 1 (got \(validationEvery))")
        try require(checkpointEvery >= 1, "a checkpoint every N steps needs N ≥ 1 (got \(checkpointEvery))")
        try require(validationSize >= 1, "the validation set needs ≥ 1 example (got \(validationSize))")
        try sceneMix?.validate()
        _ = try density()
    }

    /// A rough upper estimate of a training process's memory in bytes: five float32 copies of
    /// the parameters (weights, gradients, two Adam moments, EMA) and the activations the
    /// backward pass keeps, about 24 floats per hidden unit, token and block plus the attention
    /// maps (the bundled recipe, batch 64 at depth 4, is estimated at 1.4 GB and measures
    /// 0.85 GB). In floating point, so that absurd options give a huge number, not an overflow.
    public var estimatedMemoryBytes: Double {
        let hidden = Double(64 * depth), blocks = Double(depth + textLayers)
        let side = Double(resolution / max(patchSize, 1))
        let tokens = side * side + Double(textLength)
        // A joint block: two streams of attention (4h²), MLP (8h²) and AdaLN (6h²); a text layer 12h².
        let parameters = (36 * Double(depth) + 12 * Double(textLayers)) * hidden * hidden
            + hidden * Double(patchSize * patchSize * 3) * 2
        let perSample = blocks * tokens * (24 * hidden + 2 * Double(depth) * tokens) * 4
        return 5 * 4 * parameters + Double(batchSize) * perSample + Double(256 << 20)
    }
}

/// The options a resumed run may change (how far to go, how fast, how to land, what data to
/// weight); everything else defines the run and comes from its checkpoint.
public enum ResumableOption: Sendable, CaseIterable {
    case steps, learningRate, cooldown, sceneMix
}

/// Training failures.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    case invalidOption(String)
    case nonFiniteLoss(step: Int, lastCheckpoint: Int?)
    case checkpoint(String)

    public var description: String {
        switch self {
        case let .invalidOption(why): return "invalid training option: \(why)"
        case let .nonFiniteLoss(step, last):
            return "the loss became NaN or infinite at step \(step); stopped" + (last.map { ". The last good checkpoint is from step \($0) and was kept" } ?? " before any checkpoint was written") + ". Try a lower --lr or a longer --warmup."
        case let .checkpoint(why): return "checkpoint: \(why)"
        }
    }
}
