import FlowCore
import RectifiedFlow
import ShapesWorld
import TextEncoders

/// Turns the Shapes world into training batches, deterministically: item `i` (image, caption,
/// caption dropout, noise and t) depends only on the seed, the scene mix and `i`, so a resumed
/// run sees the same data as an uninterrupted one. The validation set depends on the seed only.
public struct ShapesBatches: Sendable {
    public let options: TrainingOptions
    public let tokenizer: WordTokenizer
    let generator: SceneGenerator
    let validationGenerator: SceneGenerator
    let density: TimestepDensity

    public init(options: TrainingOptions) throws {
        self.options = options
        tokenizer = WordTokenizer(words: Caption.vocabulary, length: options.textLength)
        var config = SceneGeneratorConfig()
        config.dropProbability = options.captionPartDropout
        config.separationSizes = Array(Set([32, 64, options.resolution]))
        validationGenerator = try SceneGenerator(seed: options.seed &+ 1_000_003, config: config)
        var trainingConfig = config
        options.sceneMix?.apply(to: &trainingConfig)
        generator = try SceneGenerator(seed: options.seed, config: trainingConfig)
        density = try options.density()
    }

    /// Training batch `step`: items step·B ..< (step+1)·B.
    public func trainingBatch(step: Int) -> DemoModelTraining.Batch {
        let b = options.batchSize
        return batch(indices: (step * b)..<((step + 1) * b), validation: false)
    }

    /// The fixed validation set, in batches of at most `batchSize`: full captions, t evenly spaced
    /// over (0, 1) (the same for every run, whatever its training density), fixed noise.
    public func validationBatches() -> [DemoModelTraining.Batch] {
        stride(from: 0, to: options.validationSize, by: options.batchSize).map { start in
            batch(indices: start..<min(options.validationSize, start + options.batchSize), validation: true)
        }
    }

    func batch(indices: Range<Int>, validation: Bool) -> DemoModelTraining.Batch {
        let r = options.resolution
        let n = indices.count
        var images = [Float](), noise = [Float](), tokens: [[Int]] = [], t: [Float] = []
        images.reserveCapacity(n * 3 * r * r)
        noise.reserveCapacity(n * 3 * r * r)
        let streamBase: UInt64 = validation ? 1 << 40 : 0
        for index in indices {
            let example = validation ? validationGenerator.example(at: index) : generator.example(at: index)
            images += example.image(size: r).signedUnitTensor().scalars
            var rng = PhiloxRandom(seed: options.seed ^ 0x5EED_F10E, stream: streamBase + UInt64(index))
            let dropped = !validation && rng.nextUniform() < Float(options.captionDropout)
            tokens.append(tokenizer.encode(dropped ? "" : (validation ? example.fullCaption : example.caption)).tokens)
            t.append(validation ? (Float(index % 16) + 0.5) / 16 : density.sample(using: &rng))
            noise += Noise.gaussian(shape: [1, 3, r, r], seed: options.seed ^ 0x0015E, firstStream: streamBase + UInt64(index)).scalars
        }
        return .init(images: Tensor(shape: [n, 3, r, r], scalars: images), tokens: tokens,
                     noise: Tensor(shape: [n, 3, r, r], scalars: noise), t: t)
    }
}
