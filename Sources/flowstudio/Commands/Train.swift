import ArgumentParser
import Dispatch
import Foundation
import FlowCore
import RectifiedFlow
import Training

/// `flowstudio train`: trains the demo model on the Shapes world.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a demo model on the Shapes world (rectified flow, the SD3 recipe).",
        discussion: """
        Writes to --out: checkpoint.safetensors (resumable state), model.safetensors (the EMA weights, \
        what ships) and log.csv (training and validation loss). Ctrl-C saves a checkpoint and exits; \
        --resume continues a run with the options it was started with (only --steps, --lr, --cooldown and --scene-mix may change).
        """)

    @Option(help: "Run directory.")
    var out: String
    @Flag(help: "Continue the run in --out.")
    var resume = false
    @Option(name: .customLong("init"), help: "Start a new run from a diffusers SD3Transformer2DModel folder (`flowstudio export --diffusers`, PyTorch `save_pretrained`) or a demo-model file; depth, patch, resolution and text layers come from it.")
    var initFrom: String?
    // The model-shape options are optional so that `--init` can tell what was typed: those come
    // from the initial model unless given (and then must agree with it).
    @Option(help: "MM-DiT blocks (hidden 64·depth; default 4).") var depth: Int?
    @Option(help: "Image side in pixels (default 64).") var resolution: Int?
    @Option(help: "Patch side in pixels (default 8).") var patch: Int?
    @Option(help: "Text encoder layers (default 2).") var textLayers: Int?
    // The run-defining options are optional too, so that a resume can refuse a typed value the
    // run does not have (a resume keeps the options the run was started with).
    @Option(help: "Batch size (default 64).") var batch: Int?
    @Option(help: "Optimiser steps in all (default 100000; a resume keeps the run's unless given).") var steps: Int?
    @Option(help: "Peak learning rate (AdamW; default 3e-4). May be given with --resume to change it from there on.") var lr: Float?
    @Option(help: "Linear warm-up steps (default 1000).") var warmup: Int?
    @Option(help: "Cool-down: the learning rate falls linearly to zero over the last N steps (default 0: constant). May be given with --resume, e.g. on a copy of a run directory, to land a snapshot.")
    var cooldown: Int?
    @Option(help: "Relative weights of one-object, two-object and count scenes in the training data, ONE,TWO,COUNT (default 0.5,0.25,0.25). May be given with --resume to change the data from there on; validation always uses the default mix.")
    var sceneMix: String?
    @Option(help: "EMA decay of the shipped weights (default 0.999).") var ema: Float?
    @Option(help: "Timestep density: lognorm:M,S | uniform | mode:S | cosmap (default lognorm:0,1).") var timesteps: String?
    @Option(help: "Seed of the data and the initialisation (default 0).") var seed: UInt64?
    @Option(help: "Validate every N steps (default 500).") var validateEvery: Int?
    @Option(help: "Checkpoint every N steps (default 500).") var checkpointEvery: Int?
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        compute.apply()
        var options = TrainingOptions()
        options.depth = depth ?? options.depth
        options.resolution = resolution ?? options.resolution
        options.patchSize = patch ?? options.patchSize
        options.textLayers = textLayers ?? options.textLayers
        options.batchSize = batch ?? options.batchSize
        options.steps = steps ?? options.steps
        options.learningRate = lr ?? options.learningRate
        options.warmupSteps = warmup ?? options.warmupSteps
        options.cooldownSteps = cooldown
        options.sceneMix = try sceneMix.map { try SceneMix(parsing: $0) }
        options.emaDecay = ema ?? options.emaDecay
        options.timesteps = timesteps ?? options.timesteps
        options.seed = seed ?? options.seed
        options.validationEvery = validateEvery ?? options.validationEvery
        options.checkpointEvery = checkpointEvery ?? options.checkpointEvery
        if resume && initFrom == nil { try checkResumable(fileURL(out, option: "--out")) }
        let trainer = try initFrom.map { try trainerFromInit($0, options: options) }
            ?? Trainer(options: options, directory: fileURL(out, option: "--out"), resume: resume,
                       changing: Set((steps != nil ? [.steps] : []) + (lr != nil ? [.learningRate] : []) + (cooldown != nil ? [.cooldown] : [])
                                     + (sceneMix != nil ? [.sceneMix] : [])))
        trainer.model.precision = compute.precision
        trainer.commandLine = "flowstudio " + CommandLine.arguments.dropFirst().joined(separator: " ")
        let o = trainer.options
        guard trainer.step < o.steps else {
            throw CLIError("the run in \(out) is already at step \(trainer.step) of its \(o.steps); give a larger --steps to continue it")
        }
        printError("training \(o.transformerConfig) + text encoder \(o.textLayers) layers, \(trainer.model.params.count) parameters, " +
                   "\(o.resolution)² images, batch \(o.batchSize), lr \(o.learningRate), t ~ \(o.timesteps), scenes \(o.sceneMix ?? .standard), \(Parallel.threadCount) threads; " +
                   (trainer.step > 0 ? "resuming at step \(trainer.step)" : "new run") + " in \(out)")

        let stop = StopFlag.setByInterrupts()

        let progress = ProgressLine()
        try trainer.run(shouldStop: { stop.isSet }) { p in
            let eta = p.samplesPerSecond > 0 ? Double((p.steps - p.step) * o.batchSize) / p.samplesPerSecond : 0
            var line = String(format: "step %d/%d  loss %.4f (avg %.4f)  |g| %.2f  lr %.2e  %.1f samples/s  ETA %@",
                              p.step, p.steps, p.loss, p.smoothedLoss, p.gradientNorm, p.learningRate, p.samplesPerSecond,
                              formatDuration(eta))
            if let v = p.validationLoss { line += String(format: "  val %.4f", v) }
            progress.update(line, keep: p.validationLoss != nil)
        }
        progress.finish()
        printError((stop.isSet ? "interrupted: " : "") + "checkpoint saved at step \(trainer.step) in \(out)")
    }
}

extension Train {
    /// A resume continues the run as it was started: a run-defining option typed with a value
    /// the run does not have is refused (the same value is fine), rather than silently ignored.
    func checkResumable(_ directory: URL) throws {
        guard let stored = try Trainer.storedOptions(in: directory) else { return }
        var conflicts: [String] = []
        func check<T: Equatable>(_ flag: String, _ given: T?, _ run: T) {
            if let given, given != run { conflicts.append("\(flag) \(given) (the run has \(run))") }
        }
        check("--depth", depth, stored.depth)
        check("--resolution", resolution, stored.resolution)
        check("--patch", patch, stored.patchSize)
        check("--text-layers", textLayers, stored.textLayers)
        check("--batch", batch, stored.batchSize)
        check("--warmup", warmup, stored.warmupSteps)
        check("--ema", ema, stored.emaDecay)
        // Densities compare by value: lognorm:0.0,1.0 is the run's lognorm:0,1.
        if let timesteps, (try? TimestepDensity(parsing: timesteps)) != (try? TimestepDensity(parsing: stored.timesteps)) {
            conflicts.append("--timesteps \(timesteps) (the run has \(stored.timesteps))")
        }
        check("--seed", seed, stored.seed)
        check("--validate-every", validateEvery, stored.validationEvery)
        check("--checkpoint-every", checkpointEvery, stored.checkpointEvery)
        guard conflicts.isEmpty else {
            throw CLIError("--resume continues the run as it was started, so it cannot change " + conflicts.joined(separator: ", ") +
                           "; only --steps, --lr, --cooldown and --scene-mix may change on a resume. Drop those options, or start a new run in another --out")
        }
    }
}

/// A flag set from a signal handler's queue and read by the training loop.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    private var interrupts: DispatchSourceSignal?
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }

    /// A flag that Ctrl-C (SIGINT) sets instead of ending the process, so a long run can save
    /// its checkpoint and stop between steps.
    static func setByInterrupts() -> StopFlag {
        let flag = StopFlag()
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { flag.set() }
        source.resume()
        flag.interrupts = source
        return flag
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

func formatDuration(_ seconds: Double) -> String {
    let s = Int(seconds)
    return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s / 60 % 60) : String(format: "%dm%02ds", s / 60, s % 60)
}
