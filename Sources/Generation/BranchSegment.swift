import RectifiedFlow

/// One part of a branched run: the steps before a branch point, with the prompt, CFG and sampler
/// they ran with. A run branched from step K of a parent continues the parent's state after K
/// steps with its own prompt, CFG and sampler; `GenerationSettings.branch` lists the parts before
/// it (a branch of a branch has two), and the settings themselves give the last part.
///
/// Everything else (seed, noise, steps, shift, size, skip-layer guidance) is the run's own and
/// the same for every part: the parts share one noise and one schedule.
public struct BranchSegment: Codable, Equatable, Sendable {
    public var prompt: String
    public var negativePrompt: String
    public var cfgScale: Float
    public var sampler: SamplerKind
    /// This part ran the steps from the previous part's `untilStep` (or 0) up to `untilStep`; the
    /// next part continues from the state after `untilStep` steps ("from step K", counted from 1
    /// as the studio shows steps).
    public var untilStep: Int

    public init(prompt: String, negativePrompt: String, cfgScale: Float, sampler: SamplerKind, untilStep: Int) {
        self.prompt = prompt
        self.negativePrompt = negativePrompt
        self.cfgScale = cfgScale
        self.sampler = sampler
        self.untilStep = untilStep
    }

    /// The part of `settings` that ran its first `steps` steps (the settings' own branch parts
    /// are not included).
    public init(_ settings: GenerationSettings, untilStep steps: Int) {
        self.init(prompt: settings.prompt, negativePrompt: settings.negativePrompt, cfgScale: settings.cfgScale,
                  sampler: settings.sampler, untilStep: steps)
    }
}

extension GenerationSettings {
    /// Whether these settings continue another run from one of its steps.
    public var isBranch: Bool { !branch.isEmpty }

    /// The step the last part continues from (0 for a run that is not a branch).
    public var branchStep: Int { branch.last?.untilStep ?? 0 }

    /// Settings that continue run `parent` from the state after `step` steps (1…steps − 1) with
    /// this prompt, negative prompt, CFG and sampler: the parent's seed, noise, steps, shift, size
    /// and skip-layer guidance, its own branch parts up to `step`, and one part for its own
    /// settings. A branch of a branch from a step before the parent's own branch point keeps only
    /// the parts that made that step.
    public func branching(from parent: GenerationSettings, atStep step: Int) -> GenerationSettings {
        var s = parent
        s.branch = parent.branch.filter { $0.untilStep < step }
        // The part that made the parent's first `step` steps: one of its own parts, or its last.
        var covering = parent.branch.first { $0.untilStep >= step } ?? BranchSegment(parent, untilStep: step)
        covering.untilStep = step
        s.branch.append(covering)
        s.prompt = prompt
        s.negativePrompt = negativePrompt
        s.cfgScale = cfgScale
        s.sampler = sampler
        return s
    }

    /// The parent of a branch: the settings of the run it continues (its last part as the whole
    /// run's prompt, CFG and sampler, the parts before as its own branch); nil when not a branch.
    public var branchParent: GenerationSettings? {
        guard let last = branch.last else { return nil }
        var p = self
        p.branch.removeLast()
        p.prompt = last.prompt
        p.negativePrompt = last.negativePrompt
        p.cfgScale = last.cfgScale
        p.sampler = last.sampler
        return p
    }

    /// What is wrong with the branch parts (steps not increasing within 1…steps − 1), or nil.
    public var branchProblem: String? {
        var previous = 0
        for part in branch {
            guard part.untilStep > previous, part.untilStep < steps else {
                return "a branch continues from step \(part.untilStep), which is not between \(previous + 1) and \(steps - 1) (the run has \(steps) steps)"
            }
            previous = part.untilStep
        }
        return nil
    }

    /// The parts of the run in order, each with the steps it runs and the settings (prompt,
    /// negative prompt, CFG, sampler) it runs them with.
    public var segments: [(steps: Range<Int>, settings: GenerationSettings)] {
        var parts: [(Range<Int>, GenerationSettings)] = []
        var start = 0
        for part in branch {
            var s = self
            s.branch = []
            s.prompt = part.prompt
            s.negativePrompt = part.negativePrompt
            s.cfgScale = part.cfgScale
            s.sampler = part.sampler
            parts.append((start..<part.untilStep, s))
            start = part.untilStep
        }
        var last = self
        last.branch = []
        parts.append((start..<steps, last))
        return parts
    }
}
