import ArgumentParser
import Dispatch
import Foundation
import FlowCore
import Imaging
import Studio
import Studies

/// Runs (or redraws) `kind` with `options`: progress on stderr, the files written on stdout.
func runStudy(_ kind: StudyKind, _ options: StudyOptions) throws {
    options.compute.apply()
    let directory = try fileURL(options.out ?? "studies/\(kind.rawValue)-\(options.budget.rawValue)", option: "--out")
    let written: [URL]
    if options.redraw {
        let report = try StudyReport.read(from: directory, study: kind)
        written = try report.writeTablesAndPlots(to: directory)
        printError("redrew \(kind.rawValue) from \(directory.path)/\(StudyReport.csvFileName) (\(report.rows.count) rows)")
    } else {
        let study = Study.make(kind, budget: options.budget)
        let runner = StudyRunner(study: study, directory: directory)
        runner.precision = options.compute.precision
        printError("study \(kind.rawValue), budget \(options.budget.rawValue): \(study.variants.count) runs in \(directory.path)/runs, \(Parallel.threadCount) threads")

        let stop = StopFlag.setByInterrupts()

        let progress = ProgressLine()
        var runName = "", batch = 1
        let finished = try runner.run(shouldStop: { stop.isSet }) { event in
            switch event {
            case let .runStarted(variant, index, count, fromStep):
                progress.finish()
                runName = "[\(index + 1)/\(count)] \(variant.name)"
                batch = variant.options.batchSize
                printError("\(runName): " + (fromStep > 0 ? "resuming at step \(fromStep)" : "new run") +
                           " (t ~ \(variant.options.timesteps), depth \(variant.options.depth), seed \(variant.options.seed), \(variant.options.steps) steps)")
            case let .runSkipped(variant, index, count):
                printError("[\(index + 1)/\(count)] \(variant.name): finished earlier, skipped")
            case let .training(p, validationLoss):
                let eta = p.samplesPerSecond > 0 ? Double((p.steps - p.step) * batch) / p.samplesPerSecond : 0
                var line = String(format: "%@ step %d/%d  loss %.4f (avg %.4f)  %.1f samples/s  ETA %@", runName, p.step, p.steps,
                                  p.loss, p.smoothedLoss, p.samplesPerSecond, formatDuration(eta))
                if let v = validationLoss { line += String(format: "  val %.4f", v) }
                progress.update(line, keep: validationLoss != nil && p.step == p.steps)
            case let .evaluating(steps, done, total):
                progress.update(done: done, total: total, label: "\(runName) eval at \(steps) steps")
            case let .runFinished(_, loss, overall):
                progress.finish()
                printError("\(runName): val loss \(String(format: "%.4f", loss)), eval " +
                           overall.map { String(format: "%.3f@%d", $0.score, $0.samplingSteps) }.joined(separator: " "))
            }
        }
        progress.finish()
        guard finished else {
            printError("interrupted: the current run's checkpoint is saved; run the same command again to resume")
            return
        }
        written = [directory.appendingPathComponent(StudyReport.csvFileName), directory.appendingPathComponent(StudyReport.markdownFileName)]
            + (try FileManager.default.contentsOfDirectory(atPath: directory.path)).filter { $0.hasSuffix(".png") }.sorted()
                .map { directory.appendingPathComponent($0) }
    }
    FileHandle.standardOutput.write(Data(written.map { $0.path + "\n" }.joined().utf8))
    if options.show {
        let pictures = try written.filter { $0.pathExtension == "png" }.map { url in
            (caption: Optional(url.lastPathComponent), image: try PNG.read(from: url).image)
        }
        showInTerminal(pictures, preview: options.preview, maxColumns: 100, maxRows: 32)
    }
}

