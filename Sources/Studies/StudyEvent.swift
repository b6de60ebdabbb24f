import Training

/// What a study reports while it runs (the command line prints it; the library never does).
public enum StudyEvent {
    /// Run `index` (0-based) of `count` starts training, fresh (`fromStep` 0) or resumed.
    case runStarted(variant: StudyVariant, index: Int, count: Int, fromStep: Int)
    /// A finished run whose results are in its directory: not trained or evaluated again.
    case runSkipped(variant: StudyVariant, index: Int, count: Int)
    /// A training step of the current run; `validationLoss` is set on the curve's points.
    case training(TrainingProgress, validationLoss: Float?)
    /// The evaluation of the final snapshot at `samplingSteps` steps: `done` of `total` prompts.
    case evaluating(samplingSteps: Int, done: Int, total: Int)
    /// The run is finished: its final validation loss and overall score per sampling-step count.
    case runFinished(variant: StudyVariant, validationLoss: Double, overall: [(samplingSteps: Int, score: Double)])
}
