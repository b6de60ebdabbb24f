/// One measurement of one run: a row of a study's `results.csv`.
///
/// The CSV is long (one row per run, metric and point), with the header
/// `study,variant,label,timesteps,depth,seed,parameters,metric,sampling_steps,step,training_flops,value`:
/// - `val_loss`: the EMA weights' mean flow-matching loss on the fixed validation set after
///   `step` training steps (`sampling_steps` empty), one row per point of the curve;
/// - `eval_overall` and `eval_<category>` (shape, color, position, two_objects, counting,
///   background): the Shapes evaluation of the final snapshot at `sampling_steps` steps
///   (`step` is the final step).
/// `training_flops` counts the MM-DiT's matrix products up to `step` (3 × the forward).
public struct StudyRow: Sendable, Equatable {
    public var study: StudyKind
    public var variant: String
    public var label: String
    public var timesteps: String
    public var depth: Int
    public var seed: UInt64
    public var parameters: Int
    public var metric: String
    public var samplingSteps: Int?
    public var step: Int
    public var trainingFLOPs: Double
    public var value: Double

    public init(study: StudyKind, variant: String, label: String, timesteps: String, depth: Int, seed: UInt64, parameters: Int,
                metric: String, samplingSteps: Int?, step: Int, trainingFLOPs: Double, value: Double) {
        self.study = study
        self.variant = variant
        self.label = label
        self.timesteps = timesteps
        self.depth = depth
        self.seed = seed
        self.parameters = parameters
        self.metric = metric
        self.samplingSteps = samplingSteps
        self.step = step
        self.trainingFLOPs = trainingFLOPs
        self.value = value
    }

    /// The validation-loss metric's name.
    public static let validationLoss = "val_loss"
    /// The overall evaluation score's metric name.
    public static let evalOverall = "eval_overall"
    /// The metric name of an evaluation category's score.
    public static func evalMetric(_ category: String) -> String { "eval_" + category }
}
