import Evaluation
import FlowCore
import Foundation
import Generation
import MMDiT
import Training

/// Trains and evaluates every run of a study in `directory/runs/<variant>/`, resumably: a run
/// whose `result.csv` exists is finished and skipped; a run with a checkpoint continues from it
/// (the trainer's own checkpoints, written at every point of the validation curve). Then writes
/// the study's `results.csv`, `results.md` and plots (`StudyReport`).
public final class StudyRunner {
    public let study: Study
    public let directory: URL
    /// The arithmetic of training and evaluation (float32 unless asked).
    public var precision: MatrixPrecision = .float32

    /// A run's finished results, one `StudyRow` per point (the run directory's part of `results.csv`).
    public static let resultFileName = "result.csv"
    /// The validation curve of a run so far: `step,val_loss`, appended at each point.
    public static let curveFileName = "curve.csv"

    public init(study: Study, directory: URL) {
        self.study = study
        self.directory = directory
    }

    /// The directory of `variant`'s run.
    public func runDirectory(_ variant: StudyVariant) -> URL {
        directory.appendingPathComponent("runs").appendingPathComponent(variant.name)
    }

    /// Runs (or resumes, or skips) every variant, then writes the results. Returns false when
    /// `shouldStop` stopped it (the current run's checkpoint is saved; run again to resume).
    public func run(shouldStop: () -> Bool, report: (StudyEvent) -> Void) throws -> Bool {
        let validation = try ShapesBatches(options: study.settings.validationOptions).validationBatches()
        var rows: [StudyRow] = []
        for (index, variant) in study.variants.enumerated() {
            let resultURL = runDirectory(variant).appendingPathComponent(Self.resultFileName)
            if FileManager.default.fileExists(atPath: resultURL.path) {
                rows += try StudyCSV.decode(ReadableFile.text(of: resultURL, expected: "a study run's result.csv", maximumByteCount: 64 << 20))
                report(.runSkipped(variant: variant, index: index, count: study.variants.count))
                continue
            }
            guard let runRows = try runOne(variant, index: index, validation: validation, shouldStop: shouldStop, report: report) else {
                return false
            }
            rows += runRows
        }
        try StudyReport(study: study.kind, rows: rows).write(to: directory)
        return true
    }

    /// Trains (or resumes) and evaluates one run; nil when stopped.
    func runOne(_ variant: StudyVariant, index: Int, validation: [DemoModelTraining.Batch],
                shouldStop: () -> Bool, report: (StudyEvent) -> Void) throws -> [StudyRow]? {
        let dir = runDirectory(variant)
        let stored = try Trainer.storedOptions(in: dir)
        if let stored, stored != variant.options {
            throw StudyError.otherRun("\(dir.path) holds a run with other options than this study's \(variant.name) at this budget; give another --out (or move that run away)")
        }
        if stored == nil {
            // A run stopped before its first checkpoint left only files the trainer would take
            // for another run's: this study made them, so the run starts again from scratch.
            for name in [Trainer.logFileName, Trainer.modelFileName, Self.curveFileName] {
                try? FileManager.default.removeItem(at: dir.appendingPathComponent(name))
            }
        }
        let trainer = try Trainer(options: variant.options, directory: dir, resume: stored != nil)
        trainer.model.precision = precision
        trainer.commandLine = "flowstudio study \(study.kind.rawValue) --budget \(study.budget.rawValue) (run \(variant.name))"
        report(.runStarted(variant: variant, index: index, count: study.variants.count, fromStep: trainer.step))

        let curveURL = dir.appendingPathComponent(Self.curveFileName)
        if !FileManager.default.fileExists(atPath: curveURL.path) {
            try WritableFile.write(Array("step,val_loss\n".utf8), to: curveURL)
        }
        let curve = try FileHandle(forWritingTo: curveURL)
        defer { try? curve.close() }
        try curve.seekToEnd()
        let every = study.settings.curveEvery, steps = variant.options.steps
        if trainer.step < steps {
            var failure: Error?
            try trainer.run(shouldStop: shouldStop) { progress in
                var loss: Float?
                if progress.step % every == 0 || progress.step == steps {
                    let value = trainer.loss(on: validation, useEMA: true)
                    loss = value
                    do { try curve.write(contentsOf: Data("\(progress.step),\(value)\n".utf8)) } catch { failure = error }
                }
                report(.training(progress, validationLoss: loss))
            }
            if let failure { throw failure }
            // The last point's checkpoint is written by `run`; the curve's rows after it (if the
            // process died before it) are written again on the resume and read last-wins.
            if trainer.step < steps { return nil }
        }

        let points = try Self.readCurve(curveURL)
        guard let final = points.last else {
            throw StudyError.otherRun("\(curveURL.path) holds no validation loss; remove \(dir.path) and run the study again")
        }
        guard let scores = try evaluate(dir.appendingPathComponent(Trainer.modelFileName), shouldStop: shouldStop, report: report) else {
            return nil
        }
        let rows = Self.rows(variant: variant, study: study.kind, parameters: trainer.model.params.trainableCount,
                             flopsPerStep: Self.trainingFLOPsPerStep(variant.options), curve: points, finalStep: steps, scores: scores)
        try WritableFile.write(Array(StudyCSV.encode(rows).utf8), to: dir.appendingPathComponent(Self.resultFileName))
        report(.runFinished(variant: variant, validationLoss: final.loss,
                            overall: scores.map { ($0.samplingSteps, $0.report.overall) }))
        return rows
    }

    /// The Shapes evaluation of the model file at each sampling-step count of the study; nil
    /// when `shouldStop` answers true before one of them (a resume evaluates again).
    func evaluate(_ model: URL, shouldStop: () -> Bool,
                  report: (StudyEvent) -> Void) throws -> [(samplingSteps: Int, report: ShapesEvaluation.Report)]? {
        let generator = try DemoPipeline(contentsOf: model, precision: precision)
        let prompts = ShapesEvaluation.builtInPrompts(count: study.settings.evalPrompts, includeHeldOut: false)
        var results: [(samplingSteps: Int, report: ShapesEvaluation.Report)] = []
        for n in study.settings.samplingSteps {
            if shouldStop() { return nil }
            var settings = generator.defaultSettings
            settings.steps = n
            settings.cfgScale = study.settings.guidance
            settings.shift = study.settings.shift
            let result = try ShapesEvaluation.run(generator, prompts: prompts, settings: settings, firstSeed: study.settings.evalSeed) {
                report(.evaluating(samplingSteps: n, done: $0, total: $1))
            }
            results.append((n, result))
        }
        return results
    }

    /// The validation curve in `url`, one point per step (a step written twice, by a run that
    /// was interrupted after the point and resumed, keeps its last value), in step order.
    static func readCurve(_ url: URL) throws -> [(step: Int, loss: Double)] {
        let text = try ReadableFile.text(of: url, expected: "a study run's curve.csv", maximumByteCount: 64 << 20)
        var byStep: [Int: Double] = [:]
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            let parts = line.split(separator: ",")
            if parts.count == 2, let step = Int(parts[0]), let loss = Double(parts[1]) { byStep[step] = loss }
        }
        return byStep.keys.sorted().map { ($0, byStep[$0]!) }
    }

    /// Training FLOPs per optimiser step: forward and backward (3 × the forward) of the MM-DiT
    /// on a batch; the text encoder is not counted.
    public static func trainingFLOPsPerStep(_ o: TrainingOptions) -> Double {
        3 * o.transformerConfig.forwardFLOPs(batch: o.batchSize, latentHeight: o.resolution, latentWidth: o.resolution,
                                             contextTokens: o.textLength)
    }

    /// A finished run's rows: the curve, then each evaluation's overall and category scores.
    static func rows(variant: StudyVariant, study: StudyKind, parameters: Int, flopsPerStep: Double,
                     curve: [(step: Int, loss: Double)], finalStep: Int,
                     scores: [(samplingSteps: Int, report: ShapesEvaluation.Report)]) -> [StudyRow] {
        let o = variant.options
        func row(_ metric: String, _ sampling: Int?, _ step: Int, _ value: Double) -> StudyRow {
            StudyRow(study: study, variant: variant.name, label: variant.label, timesteps: o.timesteps, depth: o.depth, seed: o.seed,
                     parameters: parameters, metric: metric, samplingSteps: sampling, step: step,
                     trainingFLOPs: flopsPerStep * Double(step), value: value)
        }
        var rows = curve.map { row(StudyRow.validationLoss, nil, $0.step, $0.loss) }
        for (n, report) in scores {
            rows.append(row(StudyRow.evalOverall, n, finalStep, report.overall))
            for c in report.categoryScores { rows.append(row(StudyRow.evalMetric(c.category.rawValue), n, finalStep, c.score)) }
        }
        return rows
    }
}

extension ParameterStore {
    /// The number of trained values (the fixed positional table is not counted).
    var trainableCount: Int { entries.filter(\.trainable).reduce(0) { $0 + $1.count } }
}
