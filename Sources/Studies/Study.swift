import Training

/// A study: its kind, budget, shared settings and the runs it trains. Every run shares the
/// recipe in `settings.base`; a variant changes only what the study is about.
public struct Study: Sendable {
    public let kind: StudyKind
    public let budget: StudyBudget
    public let settings: StudySettings
    public let variants: [StudyVariant]

    public init(kind: StudyKind, budget: StudyBudget, settings: StudySettings, variants: [StudyVariant]) {
        self.kind = kind
        self.budget = budget
        self.settings = settings
        self.variants = variants
    }

    /// The study `kind` at `budget`.
    public static func make(_ kind: StudyKind, budget: StudyBudget) -> Study {
        switch kind {
        case .densities: return densities(budget: budget)
        case .scaling: return scaling(budget: budget)
        }
    }

    /// The densities the paper's Table 1 ranks best (and plain rectified flow's uniform t), as
    /// (`--timesteps` value, label, seeds). Uniform and lognorm(0,1) run twice, so that the
    /// seed-to-seed spread can be set beside the differences between densities.
    public static let densityVariants: [(timesteps: String, label: String, seeds: [UInt64])] = [
        ("uniform", "uniform", [0, 1]),
        ("lognorm:0,1", "lognorm(0,1)", [0, 1]),
        ("lognorm:1,0.6", "lognorm(1,0.6)", [0]),
        ("lognorm:0.5,0.6", "lognorm(0.5,0.6)", [0]),
        ("mode:1.29", "mode(1.29)", [0]),
        ("cosmap", "cosmap", [0]),
    ]

    /// The depths of the scaling study (hidden 64·depth, heads = depth) at the full budget.
    public static let scalingDepths = [2, 3, 4, 6]
    /// The depths at the quick budget (a smoke test: depth 6 alone would take most of a minute
    /// in a debug build, its checkpoints are hundreds of MB).
    public static let quickScalingDepths = [1, 2]

    /// Every density of `densityVariants` (each seed a run) on one model.
    public static func densities(budget: StudyBudget) -> Study {
        let settings = budget == .quick ? quickSettings(depth: 1) : fullDensitySettings
        var variants: [StudyVariant] = []
        for (timesteps, label, seeds) in densityVariants {
            for seed in seeds {
                var o = settings.base
                o.timesteps = timesteps
                o.seed = seed
                let slug = timesteps.map { ":,".contains($0) ? "-" : $0 }
                variants.append(StudyVariant(name: String(slug) + "-seed\(seed)", label: label, options: o))
            }
        }
        return Study(kind: .densities, budget: budget, settings: settings, variants: variants)
    }

    /// The same data, density (lognorm(0,1)) and schedule at each depth.
    public static func scaling(budget: StudyBudget) -> Study {
        let settings = budget == .quick ? quickSettings(depth: 1) : fullScalingSettings
        let depths = budget == .quick ? quickScalingDepths : scalingDepths
        let variants = depths.map { depth -> StudyVariant in
            var o = settings.base
            o.depth = depth
            return StudyVariant(name: "depth-\(depth)", label: "depth \(depth)", options: o)
        }
        return Study(kind: .scaling, budget: budget, settings: settings, variants: variants)
    }

    /// The smoke test: a one-block model on 32² images, a handful of steps and prompts.
    static func quickSettings(depth: Int) -> StudySettings {
        var o = TrainingOptions()
        o.depth = depth
        o.resolution = 32
        o.patchSize = 8
        o.textLayers = 1
        o.batchSize = 2
        o.steps = 4
        o.warmupSteps = 1
        o.timesteps = "lognorm:0,1"
        o.validationEvery = o.steps
        o.validationSize = 2
        o.checkpointEvery = 2
        return StudySettings(base: o, curveEvery: 2, validationSize: 4, evalPrompts: 6)
    }

    /// The full densities study: depth 3 (hidden 192, 3 heads), 64² images, batch 32, 4000 steps
    /// (128 000 samples) with 200 warm-up steps and an 800-step cool-down to a landed snapshot.
    /// Measured: 41.5 samples per CPU-second at this size (release build, on a loaded machine),
    /// so about 51 CPU-minutes of training per run and 7 CPU-hours for the 8 runs.
    static var fullDensitySettings: StudySettings {
        var o = TrainingOptions()
        o.depth = 3
        o.batchSize = 32
        o.steps = 4000
        o.warmupSteps = 200
        o.cooldownSteps = 800
        o.validationEvery = o.steps
        o.validationSize = 32
        o.checkpointEvery = 250
        return StudySettings(base: o, curveEvery: 250, validationSize: 256, evalPrompts: 120)
    }

    /// The full scaling study: the densities study's recipe (lognorm(0,1)) for 3000 steps (600
    /// cool-down). By the MM-DiT's FLOPs per sample, depths 2, 3, 4, 6 together cost about 11
    /// depth-3 runs of the same length: about 7 CPU-hours.
    static var fullScalingSettings: StudySettings {
        var s = fullDensitySettings
        s.base.steps = 3000
        s.base.cooldownSteps = 600
        return s
    }
}
