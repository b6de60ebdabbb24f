import FlowCore
import Foundation
import Generation

/// The newest run: where it is, its settings, every step it reported, the scrub position and
/// the finished image. `start` begins a run, `reduce` folds in what the worker reports about it,
/// `scrub` moves through its stored steps.
public struct RunState: Sendable {
    /// Where the newest run is.
    public enum Phase: Equatable, Sendable {
        case idle, running, finished, cancelled, failed
    }

    public var phase: Phase = .idle
    /// Id of the newest run asked for (events of older runs are ignored).
    public var id = 0
    /// The settings of the newest run.
    public var settings: GenerationSettings?
    /// Every step of the newest run, in order.
    public var frames: [GenerationProgress] = []
    /// Position when scrubbing: an index into `frames`; nil shows the newest step (or the result).
    public var scrubIndex: Int?
    /// The newest finished image.
    public var result: GenerationResult?
    /// Shown after `done` (unknown words, empty prompt).
    public var note: String?
    /// The run was cancelled for a reason the status line already gives (a model is loading):
    /// its cancellation is not worth a message.
    public var cancelledQuietly = false
    /// Steps of this run decoded with the VAE, by index into `frames`: shown in place of the
    /// step's preview.
    public var decodedFrames: [Int: RGBImage] = [:]
    /// The step being decoded (or waiting to be), by index into `frames`.
    public var decodingStep: Int?
    /// A branch: the history number of the run it continues (nil: not a branch, or its parent
    /// did not finish).
    public var parentNumber: Int?
    /// The number this run has in the history once it has finished.
    public var historyNumber: Int?

    public init() {}

    public var isRunning: Bool { phase == .running }

    /// Starts the next run with `settings`; returns the effect that asks the worker for it. A
    /// branch starts with its parent's steps up to the branch point (`priorFrames`), so that its
    /// frames are indexed by step as any run's.
    mutating func start(_ settings: GenerationSettings, note: String?, priorFrames: [GenerationProgress] = [],
                        parentNumber: Int? = nil) -> StudioEffect {
        id += 1
        self.settings = settings
        phase = .running
        frames = priorFrames
        self.parentNumber = parentNumber
        historyNumber = nil
        scrubIndex = nil
        decodedFrames = [:]
        decodingStep = nil
        self.note = note
        cancelledQuietly = false
        return .generate(settings, run: id)
    }

    /// The running run is being cancelled for a reason the status line gives.
    mutating func cancelQuietly() { cancelledQuietly = true }

    /// Folds in a worker report about this run (reports of older runs are ignored). `quiet`:
    /// a cancellation is not worth a message (a live re-generation replaces the run);
    /// `liveNote` is added to the message of a finished run.
    mutating func reduce(_ kind: WorkerEvent.Kind, quiet: Bool, liveNote: String?, status: inout StatusMessage?) {
        switch kind {
        case let .step(progress):
            frames.append(progress)
        case let .finished(result):
            self.result = result
            phase = .finished
            scrubIndex = nil
            var text = String(format: "done in %.2fs", result.seconds)
            text += " (\(result.settings.steps) steps, seed \(result.settings.seed))"
            if let note { text += "; " + note }
            if let liveNote { text += "; " + liveNote }
            status = .done(text)
        case let .cancelled(stepsDone):
            phase = .cancelled
            if !quiet && !cancelledQuietly { status = .info("cancelled after \(stepsDone) of \(settings?.steps ?? 0) steps") }
        case let .failed(why):
            phase = .failed
            status = .error("generation failed: \(why)")
        }
    }

    /// Moves through the stored steps of the last run (not while one is running).
    mutating func scrub(by delta: Int, status: inout StatusMessage?) {
        guard !isRunning, !frames.isEmpty else {
            if isRunning { status = .info("wait for the run to finish (or Esc) to scrub through its steps") }
            return
        }
        // The newest step is where nil stands (the result, after a finished run, is that step's
        // picture), so the first ← always shows a different step.
        let last = frames.count - 1
        let next = min(max((scrubIndex ?? last) + delta, 0), last)
        scrubIndex = next == last ? nil : next
    }

    /// The step shown (an index into `frames`): the scrub position, else the newest step.
    var shownStep: Int? { frames.isEmpty ? nil : scrubIndex ?? frames.count - 1 }

    /// Ctrl-D: asks to decode the step shown with the VAE, or says in `status` why not. A second
    /// press while that step is decoding does nothing; another step replaces the waiting request.
    mutating func requestDecode(status: inout StatusMessage?) -> StudioEffect? {
        guard let index = shownStep else {
            status = .info("nothing to decode yet: press Enter to generate, then Ctrl-D decodes the step shown")
            return nil
        }
        guard frames[index].predictedLatents != nil else {
            status = .warning("this model cannot decode a step with a VAE: it makes pixels directly, so its preview is the picture")
            return nil
        }
        if phase == .finished && scrubIndex == nil && result != nil {
            status = .info("the final image is already decoded; scrub (Shift-← or ← in the settings) to a step to decode it")
            return nil
        }
        if decodedFrames[index] != nil {
            status = .info("step \(index + 1) is already decoded with the VAE")
            return nil
        }
        guard decodingStep != index else { return nil }
        decodingStep = index
        status = .info("decoding step \(index + 1) with the VAE…")
        return .decodeStep(run: id, step: index)
    }

    /// Folds in what came of decoding `step` of run `run` (a result for an older run is dropped).
    mutating func stepDecoded(run: Int, step: Int, outcome: StepDecodeOutcome, status: inout StatusMessage?) {
        guard run == id, frames.indices.contains(step) else { return }
        if decodingStep == step { decodingStep = nil }
        var text: String
        switch outcome {
        case let .decoded(image, seconds):
            decodedFrames[step] = image
            text = "step \(step + 1) decoded in \(String(format: "%.1f", seconds)) s"
        case .cannotDecode:
            decodingStep = nil
            status = .warning("this model has no VAE to decode a step with (it was loaded without one): the preview is all there is")
            return
        case let .failed(why):
            status = .error("decoding step \(step + 1) failed: \(why)")
            return
        }
        if let next = decodingStep { text += "; decoding step \(next + 1) with the VAE…" }
        status = .info(text)
    }

    /// Why Ctrl-S / Ctrl-E (`verb`) has no finished image to work on, or nil when it has one.
    func nothingToSave(_ verb: String) -> String? {
        switch phase {
        case .running:
            return "nothing to \(verb) yet: the run is still going (Esc cancels it); Ctrl-S and Ctrl-E work on finished images"
        case .cancelled:
            return "nothing to \(verb): the last run was cancelled; press Enter to generate the image"
        case .failed:
            return "nothing to \(verb): the last run failed (see its error); change the settings, then press Enter"
        case .idle, .finished:
            return result == nil ? "nothing to \(verb) yet: press Enter to generate an image first" : nil
        }
    }
}
