import FlowCore
import Generation

/// What came of an effect, or news from outside the keyboard: the controller reports these to
/// `StudioState.apply(_:now:)`, which folds them into the state (it never changes the state's
/// fields itself).
public enum StudioEvent: Sendable {
    /// A step, the end, the cancellation or the failure of a run.
    case worker(WorkerEvent)
    /// What came of loading a model, or of writing the recent-models list.
    case model(ModelListState.Event)
    /// What came of writing or reading the favorites.
    case library(LibraryState.Event)
    /// The current image was written to `file`.
    case exported(file: String)
    case exportFailed(reason: String)
    /// The theme now shown (with why the one asked for could not be used, if so).
    case themeChanged(name: String, warning: String?)
    /// The prompt editors' widths in the current layout.
    case layoutChanged(promptColumns: Int, negativeColumns: Int)
    /// What came of decoding step `step` (an index into the frames) of run `run` with the VAE.
    case stepDecoded(run: Int, step: Int, outcome: StepDecodeOutcome)
    /// The words of the prompt the model does not read.
    case ignoredWordsFound(IgnoredWords)
}

/// What came of decoding one step's predicted clean latents.
public enum StepDecodeOutcome: Sendable {
    /// The picture, and the seconds the decode took.
    case decoded(RGBImage, seconds: Double)
    /// The model has no decoder (no VAE).
    case cannotDecode
    case failed(String)
}
