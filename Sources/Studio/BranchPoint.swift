import FlowCore
import Generation

/// The step a branch continues from (Ctrl-N on a step of the last run): the run's settings, the
/// step, the sampler's state after it and the steps before it. While it is set, Enter (and the
/// live re-generation) continue from that state with the prompt, negative prompt, CFG and
/// sampler as they stand; the seed, steps, shift and size stay the parent's.
public struct BranchPoint: Sendable {
    /// The settings of the run branched from.
    public var parent: GenerationSettings
    /// Steps done at the branch point (1…steps − 1): "from step K".
    public var step: Int
    /// The sampler's state x after `step` steps, [1, C, h, w]; nil for a branch restored from a
    /// PNG or the history (its run then samples the parent's steps again, to the same numbers).
    public var state: Tensor?
    /// The parent's steps up to the branch point (a branch's run shows them before its own).
    public var frames: [GenerationProgress]
    /// The parent's number in the history (nil: it did not finish).
    public var parentNumber: Int?
    /// The studio's id of the parent's run (nil: restored, not a run of this session).
    public var runID: Int?

    /// The settings a branch with `edited` (the editor's settings) runs: the parent's, continued
    /// from `step` with `edited`'s prompt, negative prompt, CFG and sampler.
    public func settings(_ edited: GenerationSettings) -> GenerationSettings {
        edited.branching(from: parent, atStep: step)
    }

    /// The branch point of restored branched settings (`--from` a branched PNG, a history
    /// entry): no stored state, so the next run samples the parent's steps again; nil when
    /// `settings` is not a branch.
    public init?(restoring settings: GenerationSettings) {
        guard let parent = settings.branchParent else { return nil }
        self.init(parent: parent, step: settings.branchStep, state: nil, frames: [], parentNumber: nil)
    }

    public init(parent: GenerationSettings, step: Int, state: Tensor?, frames: [GenerationProgress], parentNumber: Int?,
                runID: Int? = nil) {
        self.runID = runID
        self.parent = parent
        self.step = step
        self.state = state
        self.frames = frames
        self.parentNumber = parentNumber
    }

    /// How the status line and the preview title name it: "step 12 of #3".
    public var name: String { "step \(step) of " + (parentNumber.map { "#\($0)" } ?? "the last run") }
}
