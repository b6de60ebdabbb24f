import Generation

/// Branching from a step: Ctrl-N on a step of the last run pins it; runs then continue from it.
extension StudioState {
    /// Ctrl-N: pins the step shown as the branch point, or unpins it. While branching, a step
    /// scrubbed to in another run (a branch's own steps) becomes the new branch point; otherwise
    /// Ctrl-N stops branching.
    mutating func toggleBranch() -> [StudioEffect] {
        if let point = branchPoint {
            let samePlace = point.runID == run.id && run.shownStep.map { $0 + 1 } == point.step
            if run.scrubIndex != nil && !samePlace && !run.isRunning {
                branchPoint = nil
                return toggleBranch()
            }
            branchPoint = nil
            message = .info("stopped branching from \(point.name): Enter generates from the start again")
            return [.repaint]
        }
        guard !run.isRunning else {
            message = .info("wait for the run to finish (or Esc), then pick a step with Shift-←/→ and press Ctrl-N")
            return []
        }
        guard let index = run.shownStep, let settings = run.settings else {
            message = .info("nothing to branch from yet: generate, pick a step with Shift-←/→, then Ctrl-N")
            return []
        }
        let step = index + 1
        guard step < settings.steps else {
            message = .info("step \(step) is the last one: pick an earlier step with Shift-← (or ← in the settings) to branch from")
            return []
        }
        guard let state = run.frames[index].latents else {
            message = .warning("this model does not report its steps' state, so it cannot branch")
            return []
        }
        let point = BranchPoint(parent: settings, step: step, state: state, frames: Array(run.frames[0..<step]),
                                parentNumber: run.phase == .finished ? run.historyNumber : nil, runID: run.id)
        branchPoint = point
        message = .info("branching from \(point.name): edit the prompt, CFG or sampler and press Enter (Ctrl-N again stops)")
        return [.repaint]
    }
}
