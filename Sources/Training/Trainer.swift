import DemoModelFormat
import Foundation
import FlowCore
import MMDiT
import ShapesWorld
import TextEncoders

/// What the trainer reports after each step.
public struct TrainingProgress: Sendable {
    public let step: Int
    public let steps: Int
    public let loss: Float
    /// Exponential moving average of the loss (smoother to read).
    public let smoothedLoss: Float
    public let gradientNorm: Float
    public let learningRate: Float
    public let samplesPerSecond: Double
    public let elapsed: Double
    /// Set on the steps where validation ran.
    public let validationLoss: Float?
}

/// The training loop for the demo model: AdamW with warm-up and gradient clipping, EMA weights,
/// periodic validation and checkpoints in `directory`, a CSV log, and resumable state.
public final class Trainer {
    public let options: TrainingOptions
    public let directory: URL
    public let model: DemoModelTraining
    public let batches: ShapesBatches
    let adam: AdamW
    let ema: ExponentialMovingAverage
    public private(set) var step = 0
    private var lastCheckpointStep: Int?
    /// The command line recorded in the exported model (and in this invocation's recipe phase).
    public var commandLine = "" {
        didSet { recipe[recipe.count - 1].command = commandLine }
    }
    /// The training recipe: the phases before this invocation (from the checkpoint) and this one,
    /// whose `toStep` is brought up to date when it is saved (`recordedRecipe`).
    public internal(set) var recipe: [DemoModelDescription.TrainingPhase]
    /// The EMA weights in the shipped format, rewritten at every checkpoint.
    public static let modelFileName = "model.safetensors"
    /// Training and validation loss, one CSV row per step.
    public static let logFileName = "log.csv"

    /// The options of the run in `directory`, or nil when it holds no checkpoint.
    public static func storedOptions(in directory: URL) throws -> TrainingOptions? {
        let url = directory.appendingPathComponent(Checkpoint.fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try Checkpoint.options(in: url)
    }

    /// A new run (fresh weights) or, when `directory` holds a checkpoint and `resume` is set, the
    /// continuation of that run with its stored options except those in `changing`, which come
    /// from `options`.
    public init(options: TrainingOptions, directory: URL, resume: Bool, changing: Set<ResumableOption> = [.steps]) throws {
        var options = options
        let checkpointURL = directory.appendingPathComponent(Checkpoint.fileName)
        let exists = FileManager.default.fileExists(atPath: checkpointURL.path)
        if exists && !resume {
            throw TrainingError.checkpoint("\(directory.path) already holds a training run; pass --resume to continue it, or choose another --out")
        }
        if !exists && resume {
            throw TrainingError.checkpoint("nothing to resume in \(directory.path) (no \(Checkpoint.fileName)); drop --resume to start a new run there")
        }
        let leftovers = [Trainer.modelFileName, Trainer.logFileName].filter {
            FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path)
        }
        if !exists && !leftovers.isEmpty {
            throw TrainingError.checkpoint("\(directory.path) holds \(leftovers.joined(separator: " and ")) of an earlier run but no checkpoint to resume; choose another --out, or move those files away")
        }
        var earlierPhases: [DemoModelDescription.TrainingPhase] = []
        if exists, var stored = try Trainer.storedOptions(in: directory) {
            earlierPhases = try Checkpoint.recipe(in: checkpointURL)
                ?? [Self.unrecordedPhase(directory: directory, options: stored, checkpoint: checkpointURL)]
            if changing.contains(.steps) { stored.steps = options.steps }
            if changing.contains(.learningRate) { stored.learningRate = options.learningRate }
            if changing.contains(.cooldown) { stored.cooldownSteps = options.cooldownSteps }
            if changing.contains(.sceneMix) { stored.sceneMix = options.sceneMix }
            options = stored
        }
        try options.validate()
        // A new run that cannot fit is refused before anything is allocated. A resumed run keeps
        // its batch, and the estimate is rough, so it is left to try.
        let needed = options.estimatedMemoryBytes, physical = Double(ProcessInfo.processInfo.physicalMemory)
        if !exists && needed > 0.8 * physical {
            let gib = { (bytes: Double) in bytes < 1e15 ? String(format: "%.1f GiB", bytes / Double(1 << 30)) : "far more memory" }
            throw TrainingError.invalidOption("batch \(options.batchSize) at depth \(options.depth) and \(options.resolution)² pixels needs about \(gib(needed)), more than this machine has (\(gib(physical))); use a smaller --batch")
        }
        if let why = FileSystem.createDirectories(directory) {
            throw TrainingError.invalidOption("cannot create the run directory \(directory.path) (\(why)); choose another --out")
        }
        guard FileManager.default.isWritableFile(atPath: directory.path) else {
            throw TrainingError.invalidOption("cannot write to \(directory.path); choose another --out")
        }
        self.options = options
        self.directory = directory
        batches = try ShapesBatches(options: options)
        model = try DemoModelTraining(transformer: options.transformerConfig,
                                      text: options.textConfig(vocabularySize: batches.tokenizer.vocabularySize))
        model.params.initializeForTraining(seed: options.seed)
        adam = AdamW(parameterCount: model.params.count, weightDecay: options.weightDecay)
        ema = ExponentialMovingAverage(model.params, decay: options.emaDecay)
        if exists {
            step = try Checkpoint.load(from: checkpointURL, params: model.params, ema: ema, adam: adam)
            lastCheckpointStep = step
        }
        let start = exists ? "resume at step \(step) (weights, EMA and optimiser state from the checkpoint)"
            : "new run, fresh weights (seed \(options.seed))"
        recipe = earlierPhases + [Self.phase(directory: directory, from: step, options: options, start: start)]
    }

    /// Mean loss over the fixed validation set (current weights, or the EMA weights).
    public func validationLoss(useEMA: Bool = false) -> Float {
        loss(on: batches.validationBatches(), useEMA: useEMA)
    }

    /// Mean loss over `batches` (no gradients), with the current or the EMA weights: a held-out
    /// set chosen by the caller, e.g. one shared by runs with different seeds and densities.
    public func loss(on batches: [DemoModelTraining.Batch], useEMA: Bool = false) -> Float {
        let saved = useEMA ? swapInEMA() : nil
        defer { if let saved { restore(saved) } }
        var total: Float = 0, count = 0
        for batch in batches {
            total += model.loss(batch, backward: false) * Float(batch.tokens.count)
            count += batch.tokens.count
        }
        return total / Float(max(count, 1))
    }

    private func swapInEMA() -> [Float] {
        let saved = Array(UnsafeBufferPointer(start: model.params.values, count: model.params.count))
        model.params.values.update(from: ema.values.p, count: model.params.count)
        return saved
    }

    private func restore(_ saved: [Float]) {
        saved.withUnsafeBufferPointer { model.params.values.update(from: $0.baseAddress!, count: model.params.count) }
    }

    /// Trains until `options.steps` or until `shouldStop` returns true (then saves and returns).
    public func run(shouldStop: () -> Bool, report: (TrainingProgress) -> Void) throws {
        let logURL = directory.appendingPathComponent(Trainer.logFileName)
        if !FileManager.default.fileExists(atPath: logURL.path) {
            try "step,samples,loss,smoothed_loss,grad_norm,lr,samples_per_s,elapsed_s,validation_loss,ema_validation_loss\n"
                .write(to: logURL, atomically: true, encoding: .utf8)
        }
        let log = try FileHandle(forWritingTo: logURL)
        defer { try? log.close() }
        try log.seekToEnd()

        let start = Date()
        var smoothed: Float?
        var windowStart = Date(), windowSamples = 0
        var rate = 0.0
        while step < options.steps {
            if shouldStop() { break }
            let batch = batches.trainingBatch(step: step)
            model.params.zeroGrads()
            let loss = model.loss(batch, backward: true)
            guard loss.isFinite else { throw TrainingError.nonFiniteLoss(step: step + 1, lastCheckpoint: lastCheckpointStep) }
            let norm = clipGradientNorm(model.params, maxNorm: options.gradientClip)
            let lr = options.learningRate(at: step)
            adam.update(model.params, lr: lr)
            step += 1
            ema.update(model.params, step: step)
            smoothed = smoothed.map { 0.98 * $0 + 0.02 * loss } ?? loss
            windowSamples += options.batchSize
            let windowSeconds = Date().timeIntervalSince(windowStart)
            if windowSeconds > 5 {
                rate = Double(windowSamples) / windowSeconds
                windowStart = Date()
                windowSamples = 0
            } else if rate == 0 {
                rate = Double(windowSamples) / max(windowSeconds, 1e-9)
            }
            var validation: Float?, emaValidation: Float?
            if step % options.validationEvery == 0 || step == options.steps {
                validation = validationLoss()
                emaValidation = validationLoss(useEMA: true)
            }
            let elapsed = Date().timeIntervalSince(start)
            let row = [String(step), String(step * options.batchSize), String(loss), String(smoothed!), String(norm), String(lr),
                       String(format: "%.2f", rate), String(format: "%.1f", elapsed),
                       validation.map { String($0) } ?? "", emaValidation.map { String($0) } ?? ""]
            log.write(Data((row.joined(separator: ",") + "\n").utf8))
            report(TrainingProgress(step: step, steps: options.steps, loss: loss, smoothedLoss: smoothed!, gradientNorm: norm,
                                    learningRate: lr, samplesPerSecond: rate, elapsed: elapsed, validationLoss: validation))
            if step % options.checkpointEvery == 0 { try saveCheckpoint(validationLoss: emaValidation) }
        }
        try saveCheckpoint(validationLoss: nil)
    }

    /// Saves the resumable state and exports the EMA weights as the shippable model.
    public func saveCheckpoint(validationLoss: Float?) throws {
        try Checkpoint.save(to: directory, params: model.params, ema: ema, adam: adam, options: options, step: step,
                            validationLoss: validationLoss, recipe: recordedRecipe)
        lastCheckpointStep = step
        try exportModel(to: directory.appendingPathComponent(Trainer.modelFileName))
    }

    /// The sampling shift a trained model defaults to: the one that matches its timestep
    /// density, to two decimals (lognorm:1.75,1.25 → 5.75).
    static func defaultShift(for options: TrainingOptions) -> Double {
        (((try? options.density().equivalentShift) ?? 1) * 100).rounded() / 100
    }

    /// Writes the EMA weights (F16) with the description `DemoPipeline` loads, including the
    /// training recipe so far.
    public func exportModel(to url: URL) throws {
        let description = DemoModelDescription(
            name: "flowstudio-shapes-d\(options.depth)", transformer: options.transformerConfig, textEncoder: model.textConfig,
            vocabulary: batches.tokenizer.words, resolution: options.resolution, defaultSteps: 20, defaultGuidance: 4.0,
            defaultShift: Self.defaultShift(for: options), training: "\(commandLine) (step \(step), \(step * options.batchSize) samples)",
            recipe: recordedRecipe)
        try SafeTensors.write(ema.namedTensors(model.params), metadata: [DemoModelDescription.metadataKey: try description.metadataValue()],
                              dtype: .f16, to: url)
    }
}

/// The training recipe: one phase per `flowstudio train` invocation, kept in the checkpoint
/// across resumes and written into every exported model.
extension Trainer {
    /// This invocation's phase as it starts: every option in force and the compute settings
    /// (matrix precision and threads change the arithmetic, so they are part of the recipe).
    static func phase(directory: URL, from step: Int, options: TrainingOptions, start: String,
                      precision: MatrixPrecision = .float32) -> DemoModelDescription.TrainingPhase {
        let settings = options.recipeSettings.map { DemoModelDescription.TrainingSetting($0.name, $0.value) }
            + [.init("precision", precision.rawValue), .init("threads", "\(Parallel.threadCount)")]
        return .init(run: directory.path, fromStep: step, toStep: step, start: start, command: "not recorded", options: settings)
    }

    /// What a checkpoint written before recipes were recorded says about the run so far.
    static func unrecordedPhase(directory: URL, options: TrainingOptions, checkpoint: URL) -> DemoModelDescription.TrainingPhase {
        let step = (try? SafeTensorsFile(contentsOf: checkpoint)).flatMap { Int($0.metadata["flowstudio.checkpoint.step"] ?? "") }
        return .init(run: directory.path, fromStep: nil, toStep: step, start: nil, command: "not recorded",
                     options: options.recipeSettings.map { .init($0.name, $0.value) },
                     note: "the checkpoint was written before FlowStudio recorded training recipes: these are the options it stored (those of the last invocation before it); the earlier invocations, where each began, their precision and threads were not recorded")
    }

    /// The recipe with this invocation's phase ending at the current step: what checkpoints and
    /// exported models record.
    public var recordedRecipe: [DemoModelDescription.TrainingPhase] {
        var phases = recipe
        phases[phases.count - 1].toStep = step
        // The precision is the model's, which may be set after the phase began.
        if let i = phases[phases.count - 1].options.firstIndex(where: { $0.name == "precision" }) {
            phases[phases.count - 1].options[i].value = model.precision.rawValue
        }
        return phases
    }

    /// Records that this run started from `initial`'s weights (`flowstudio train --init`): the
    /// initial model's own recipe (or what it says of its training) becomes the first phases.
    /// Idempotent. `init(options:directory:initialModel:)` calls it.
    public func recordInitialModel(_ initial: InitialModel) {
        var current = recipe[recipe.count - 1]
        current.start = "--init \(initial.url.path): new run from its MM-DiT" + (initial.hasTextEncoder ? " and text encoder" : " (text encoder fresh)")
            + "; the EMA starts at those weights, the optimiser state empty"
        var earlier: [DemoModelDescription.TrainingPhase] = []
        if let description = initial.contents.description {
            earlier = description.recipe ?? [.init(run: initial.url.path, fromStep: nil, toStep: nil, start: nil, command: description.training,
                                                   options: [], note: "the initial model's file records only its last training command")]
        } else {
            earlier = [.init(run: initial.url.path, fromStep: nil, toStep: nil, start: nil, command: "not recorded", options: [],
                             note: "the initial model (\(initial.contents.source)) carries no FlowStudio training record")]
        }
        recipe = earlier + [current]
    }
}
