// The Shapes world's data set: deterministic scenes and captions from a seed.

import FlowCore

/// Settings of the training data generator.
public struct SceneGeneratorConfig: Hashable, Sendable {
    /// Relative frequency of one-object scenes.
    public var oneObjectWeight: Double = 0.5
    /// Relative frequency of two-object scenes.
    public var twoObjectsWeight: Double = 0.25
    /// Relative frequency of count scenes.
    public var countWeight: Double = 0.25
    /// Pairs the training generator never draws.
    public var heldOut: HeldOut = .standard
    /// Probability with which a training caption drops each optional part.
    public var dropProbability: Double = Caption.defaultDropProbability
    /// Canvas sizes at which objects are checked to be apart (at least one background pixel
    /// between any two, diagonals included). A scene is kept only if it passes at every size
    /// listed; include every size you will render at.
    public var separationSizes: [Int] = [32, 64]

    public init() {}
}

/// Why a generator configuration cannot be used.
public enum SceneGeneratorError: Error, Equatable, CustomStringConvertible {
    case invalidConfig(String)

    public var description: String {
        switch self {
        case .invalidConfig(let what): "invalid Shapes generator configuration: \(what)"
        }
    }
}

/// One training (or evaluation) item: a scene, the caption it is trained with, and its full
/// caption.
public struct ShapesExample: Hashable, Sendable {
    public var scene: Scene
    /// The caption with optional parts dropped at random (the training text).
    public var caption: String
    /// The caption with every optional part.
    public var fullCaption: String

    /// The scene drawn at `size`×`size`.
    public func image(size: Int) -> RGBImage {
        ShapeRenderer.render(scene, size: size)
    }
}

/// Draws scenes and captions deterministically: item `i` of generator seed `s` is the same on
/// every machine and in any reading order (each item has its own `ShapesRNG(seed:index:)`).
public struct SceneGenerator: Sendable {
    /// The data set's seed.
    public let seed: UInt64
    public let config: SceneGeneratorConfig
    /// The index `next()` returns next.
    public var nextIndex = 0

    /// Attempts at cells and jitter for one choice of shapes, colours and sizes.
    static let placementAttempts = 64
    /// Choices of shapes, colours and sizes tried before a request is declared impossible.
    static let compositionAttempts = 32

    /// A generator; throws when the configuration leaves nothing to draw.
    public init(seed: UInt64, config: SceneGeneratorConfig = SceneGeneratorConfig()) throws {
        let weights = [config.oneObjectWeight, config.twoObjectsWeight, config.countWeight]
        guard weights.allSatisfy({ $0 >= 0 && $0.isFinite }), weights.reduce(0, +) > 0 else {
            throw SceneGeneratorError.invalidConfig("scene kind weights must be finite, non-negative and not all zero, got \(weights)")
        }
        guard (0...1).contains(config.dropProbability) else {
            throw SceneGeneratorError.invalidConfig("dropProbability must be in 0...1, got \(config.dropProbability)")
        }
        guard config.separationSizes.allSatisfy({ $0 >= 8 }) else {
            throw SceneGeneratorError.invalidConfig("separation sizes must be at least 8 pixels, got \(config.separationSizes)")
        }
        let allowed = config.heldOut.allowed
        guard allowed.count >= (config.twoObjectsWeight > 0 ? 2 : 1) else {
            throw SceneGeneratorError.invalidConfig("the held-out set \(config.heldOut) leaves \(allowed.count) pairs to train on")
        }
        self.seed = seed
        self.config = config
    }

    /// Training item `index`: never draws a held-out pair.
    public func example(at index: Int) -> ShapesExample {
        var rng = ShapesRNG(seed: seed, index: UInt64(index))
        let kind = drawKind(&rng)
        let scene = drawValid(SceneRequest(kind: kind, excluded: config.heldOut), rng: &rng)
        return ShapesExample(scene: scene,
                             caption: Caption.sampled(scene, dropProbability: config.dropProbability, rng: &rng),
                             fullCaption: Caption.full(scene))
    }

    /// Training scene `index` (the scene of `example(at: index)`).
    public func scene(at index: Int) -> Scene {
        example(at: index).scene
    }

    /// The training item at `nextIndex`, then advances it.
    public mutating func next() -> ShapesExample {
        defer { nextIndex += 1 }
        return example(at: nextIndex)
    }

    /// Evaluation item `index` that does use held-out pairs: a scene of a random kind whose first
    /// object (every object, for a count) is a held-out pair chosen uniformly. Its stream is
    /// separate from the training items'. Requires a non-empty held-out set.
    public func heldOutExample(at index: Int) -> ShapesExample {
        let pairs = config.heldOut.sorted
        precondition(!pairs.isEmpty, "heldOutExample needs a non-empty held-out set")
        var rng = ShapesRNG(seed: seed ^ 0xA5A5_5A5A_0F0F_F0F0, index: UInt64(index))
        let kind = drawKind(&rng)
        let pair = rng.pick(pairs)
        let request = SceneRequest(kind: kind, objects: [ObjectRequest(shape: pair.shape, color: pair.color)])
        let scene = drawValid(request, rng: &rng)
        return ShapesExample(scene: scene,
                             caption: Caption.sampled(scene, dropProbability: config.dropProbability, rng: &rng),
                             fullCaption: Caption.full(scene))
    }

    /// A random scene that satisfies an evaluation prompt (what the checker must accept when
    /// the scene is drawn). Attributes the prompt leaves free are uniform; held-out pairs are
    /// allowed.
    public func scene(for prompt: EvalPrompt, seed: UInt64) throws -> Scene {
        var rng = ShapesRNG(seed: seed, index: 0x5CE1E)
        return try sample(prompt.expected.sceneRequest, rng: &rng)
    }

    /// Draws a scene satisfying `request` and the world's rules, separation checked at
    /// `config.separationSizes`.
    public func sample(_ request: SceneRequest, rng: inout ShapesRNG) throws -> Scene {
        try SceneSampler(separationSizes: config.separationSizes).sample(request, rng: &rng)
    }

    private func drawKind(_ rng: inout ShapesRNG) -> SceneKind {
        let weights = [config.oneObjectWeight, config.twoObjectsWeight, config.countWeight]
        var u = rng.unit() * weights.reduce(0, +)
        for (kind, weight) in zip(SceneKind.allCases, weights) {
            if u < weight { return kind }
            u -= weight
        }
        return weights[2] > 0 ? .count : (weights[1] > 0 ? .twoObjects : .oneObject)
    }

    /// Requests made by the generator itself are always satisfiable (checked by `init`).
    private func drawValid(_ request: SceneRequest, rng: inout ShapesRNG) -> Scene {
        do {
            return try sample(request, rng: &rng)
        } catch {
            preconditionFailure("the Shapes generator failed on its own request: \(error)")
        }
    }
}
