import Training

/// What every run of a study shares: the training recipe (each variant changes only its
/// density, seed or depth), the held-out set the validation loss is measured on, and how the
/// final snapshots are evaluated.
public struct StudySettings: Sendable, Equatable {
    /// The training options every variant starts from.
    public var base: TrainingOptions
    /// The validation loss is measured (and a checkpoint written) every this many steps.
    public var curveEvery: Int
    /// Held-out examples in the fixed validation set.
    public var validationSize: Int
    /// Seed of the fixed validation set (images, captions and noise), the same for every run
    /// whatever its own seed; its t lie on a fixed grid of 16 values, (k + ½)/16.
    public var validationSeed: UInt64
    /// Built-in Shapes prompts per evaluation (balanced over the six categories; no held-out ones).
    public var evalPrompts: Int
    /// Sampling steps the final snapshot is evaluated at.
    public var samplingSteps: [Int]
    /// CFG scale and sampling shift of the evaluation, the same for every variant (so that the
    /// density changes what is learnt, not how it is sampled).
    public var guidance: Float
    public var shift: Double
    /// Seed of the first evaluation prompt (prompt i uses seed + i).
    public var evalSeed: UInt64

    public init(base: TrainingOptions, curveEvery: Int, validationSize: Int, validationSeed: UInt64 = 9_001,
                evalPrompts: Int, samplingSteps: [Int] = [5, 10, 25], guidance: Float = 4, shift: Double = 1, evalSeed: UInt64 = 0) {
        self.base = base
        self.curveEvery = curveEvery
        self.validationSize = validationSize
        self.validationSeed = validationSeed
        self.evalPrompts = evalPrompts
        self.samplingSteps = samplingSteps
        self.guidance = guidance
        self.shift = shift
        self.evalSeed = evalSeed
    }

    /// The options of the fixed validation set: the base recipe's image size and text length,
    /// `validationSeed`, `validationSize` examples.
    var validationOptions: TrainingOptions {
        var o = base
        o.seed = validationSeed
        o.validationSize = validationSize
        o.timesteps = "uniform"   // not used: validation t lie on the fixed grid
        return o
    }
}
