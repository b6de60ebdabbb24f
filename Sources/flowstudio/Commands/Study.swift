import ArgumentParser
import Studies

/// `flowstudio study`: the SD3 paper's two findings, reproduced at small scale.
struct StudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Reproduce the SD3 paper's findings at small scale: timestep densities, and scaling with depth.",
        discussion: """
        Each study trains several runs in DIR/runs/<variant>/ (the trainer's own checkpoints, so an \
        interrupted study resumes where it stopped: finished runs are skipped, a partial run continues \
        from its last checkpoint), evaluates each final snapshot, and writes DIR/results.csv, \
        DIR/results.md and PNG plots. --redraw rebuilds the tables and plots from results.csv alone.
        """,
        subcommands: [StudyDensities.self, StudyScaling.self])
}

extension StudyBudget: ExpressibleByArgument {}

/// Options both studies take.
struct StudyOptions: ParsableArguments {
    @Option(help: "quick (a smoke test: seconds per run) or full (the real experiment: hours; see the estimate above).")
    var budget: StudyBudget = .quick
    @Option(help: "Study directory (default: studies/<study>-<budget>).") var out: String?
    @Flag(help: "Only rebuild results.md and the plots from DIR/results.csv (no training).") var redraw = false
    @Flag(help: "Also draw the plots in this terminal.") var show = false
    @Option(help: "Picture protocol for --show: kitty, iterm2, sixel, truecolor, 256 or ascii (default: detected).") var preview: String?
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        if let preview, PreviewProtocol(parsing: preview) == nil {
            throw ValidationError("--preview must be \(PreviewProtocol.names) (got \(preview))")
        }
    }
}

import Imaging

/// `flowstudio study densities`.
struct StudyDensities: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "densities",
        abstract: "Train one model per timestep density (the SD3 paper's Table 1) and rank them.",
        discussion: """
        Densities: uniform (plain rectified flow), lognorm(0,1), lognorm(1,0.6), lognorm(0.5,0.6), \
        mode(1.29), cosmap; uniform and lognorm(0,1) with seeds 0 and 1, the others with seed 0: 8 runs. \
        Every run has the same model, initialisation seed, data stream, batch, steps and learning-rate \
        schedule. Each is scored by the EMA weights' validation loss on one fixed held-out set (same images, \
        noise and t grid for every run) and by the Shapes evaluation at 5, 10 and 25 sampling steps \
        (CFG 4, shift 1 for all). results.md ranks the densities on these 4 metrics and averages the \
        ranks (seeds averaged first). Plots: val-loss-vs-step.png, eval-vs-sampling-steps.png.

        --budget quick: depth 1, 32² images, batch 2, 4 steps, 6 prompts (seconds per run in a debug build). \
        --budget full: depth 3 (hidden 192), 64² images, batch 32, 4000 steps (200 warm-up, 800 cool-down), \
        validation on 256 held-out examples every 250 steps, 120 prompts per evaluation. Estimate: about \
        7 CPU-hours, i.e. 3.5–4 hours on an idle 2-core machine in a release build (measured 41.5 training \
        samples per CPU-second at depth 3); build with `swift build -c release` first.
        """)

    @OptionGroup var options: StudyOptions

    func run() throws { try runStudy(.densities, options) }
}

/// `flowstudio study scaling`.
struct StudyScaling: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scaling",
        abstract: "Train the same recipe at depths 2, 3, 4, 6 and fit validation loss against compute.",
        discussion: """
        The same data, density (lognorm(0,1)), batch and schedule at each depth (hidden 64·depth, \
        heads = depth). Plots validation loss against training step and against training FLOPs (log–log, \
        the MM-DiT's matrix products, forward + backward), and each depth's eval score against its \
        validation loss; results.md states the power law L = a·C^b fitted by least squares in log space \
        through each depth's final point.

        --budget quick: depths 1 and 2, 32² images, batch 2, 4 steps, 6 prompts (a smoke test). \
        --budget full: depths 2, 3, 4, 6 with the densities study's full recipe for 3000 steps (600 cool-down). \
        Estimate: about 7 CPU-hours, i.e. 3.5–4 hours on an idle 2-core machine in a release build (the \
        MM-DiT's FLOPs per sample put the four depths at about 11 depth-3 runs; depth 6 is over half of it).
        """)

    @OptionGroup var options: StudyOptions

    func run() throws { try runStudy(.scaling, options) }
}
