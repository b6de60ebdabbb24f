import Foundation
import MMDiT
import RectifiedFlow
import TextEncoding

/// Every choice that defines a training run (stored in each checkpoint, so a resume continues
/// the same run). Defaults are the bundled model's recipe.
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

    /// The learning rate at `step` (0-based): linear warm-up, constant, then (with a cool-down)
    /// linear decay that reaches lr/cooldown at the last step.
    public func learningRate(at step: Int) -> Float {
        if warmupSteps > 0 && step < warmupSteps { return learningRate * Float(step + 1) / Float(warmupSteps) }
        let cooldown = cooldownSteps ?? 0
        if cooldown > 0 && step >= steps - cooldown { return learningRate * Float(max(1, steps - step)) / Float(cooldown) }
        return learningRate
    }

    /// Checks ranges; the error says which option and why.
    public func validate() throws {
        func fail(_ s: String) -> TrainingError { .invalidOption(s) }
        guard (1...24).contains(depth) else { throw fail("depth must be 1…24 (got \(depth))") }
        guard resolution >= 8, patchSize >= 1, resolution % patchSize == 0 else {
            throw fail("the resolution \(resolution) must be a multiple of the patch size \(patchSize)")
        }
        guard batchSize >= 1, steps >= 1, textLayers >= 1, textLength >= 2 else { throw fail("batch, steps, text layers must be positive") }
        guard learningRate > 0, learningRate.isFinite, weightDecay >= 0, (0..<1).contains(emaDecay), gradientClip > 0 else {
            throw fail("learning rate must be > 0, weight decay ≥ 0, EMA decay in [0, 1), gradient clip > 0")
        }
        guard (0...1).contains(captionDropout), (0...1).contains(captionPartDropout) else { throw fail("dropout probabilities must be in 0…1") }
        guard (0...steps).contains(cooldownSteps ?? 0) else { throw fail("the cool-down must be 0…\(steps) steps (got \(cooldownSteps ?? 0))") }
        guard validationEvery >= 1, checkpointEvery >= 1, validationSize >= 1 else { throw fail("validation/checkpoint intervals must be ≥ 1") }
        _ = try density()
    }
}

/// The options a resumed run may change (how far to go, how fast, how to land); everything
/// else defines the run and comes from its checkpoint.
public enum ResumableOption: Sendable, CaseIterable {
    case steps, learningRate, cooldown
}

/// Training failures.
public enum TrainingError: Error, CustomStringConvertible {
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
