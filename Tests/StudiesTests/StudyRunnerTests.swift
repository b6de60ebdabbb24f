import Foundation
import Testing
import Training
@testable import Studies

/// Real training runs, tiny: a one-block model on 32² images, 4 steps of batch 2, one prompt
/// evaluated at 2 sampling steps.
@Suite struct StudyRunnerTests {
    static func tinyStudy() -> Study {
        var settings = Study.quickSettings(depth: 1)
        settings.evalPrompts = 1
        settings.samplingSteps = [2]
        settings.validationSize = 2
        let variants = ["uniform", "lognorm:0,1"].map { t -> StudyVariant in
            var o = settings.base
            o.timesteps = t
            return StudyVariant(name: t == "uniform" ? "uniform" : "lognorm", label: t, options: o)
        }
        return Study(kind: .densities, budget: .quick, settings: settings, variants: variants)
    }

    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("study-runner-\(UUID().uuidString)")
    }

    @Test func finishedRunsAreSkipped() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let runner = StudyRunner(study: Self.tinyStudy(), directory: dir)
        var started = 0
        #expect(try runner.run(shouldStop: { false }) { if case .runStarted = $0 { started += 1 } })
        #expect(started == 2)
        let first = try StudyReport.read(from: dir, study: .densities).rows
        // Per run: the curve at steps 2 and 4, then the overall and the one category's score.
        #expect(first.count == 8)
        #expect(first.filter { $0.metric == StudyRow.validationLoss }.map(\.step) == [2, 4, 2, 4])
        #expect(first.filter { $0.metric == StudyRow.evalOverall }.allSatisfy { $0.samplingSteps == 2 && $0.step == 4 })

        var skipped = 0
        started = 0
        #expect(try runner.run(shouldStop: { false }) { event in
            if case .runSkipped = event { skipped += 1 }
            if case .runStarted = event { started += 1 }
        })
        #expect(skipped == 2 && started == 0)
        #expect(try StudyReport.read(from: dir, study: .densities).rows == first)
    }

    /// A run stopped after step 2 resumes from its checkpoint and ends where an uninterrupted
    /// run ends: the same validation losses and scores.
    @Test func interruptedRunResumesToTheSameResult() throws {
        let study = Self.tinyStudy()
        let straight = Self.temporaryDirectory(), interrupted = Self.temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(at: straight)
            try? FileManager.default.removeItem(at: interrupted)
        }
        #expect(try StudyRunner(study: study, directory: straight).run(shouldStop: { false }) { _ in })

        var stop = false
        let runner = StudyRunner(study: study, directory: interrupted)
        let finished = try runner.run(shouldStop: { stop }) { event in
            if case let .training(p, _) = event, p.step == 2 { stop = true }
        }
        #expect(!finished)
        #expect(!FileManager.default.fileExists(atPath: interrupted.appendingPathComponent(StudyReport.csvFileName).path))
        var resumedFrom: [Int] = []
        #expect(try runner.run(shouldStop: { false }) { event in
            if case let .runStarted(_, _, _, fromStep) = event { resumedFrom.append(fromStep) }
        })
        #expect(resumedFrom == [2, 0])
        let a = try StudyReport.read(from: straight, study: .densities).rows
        let b = try StudyReport.read(from: interrupted, study: .densities).rows
        #expect(a.count == b.count)
        for (x, y) in zip(a, b) {
            #expect(x.metric == y.metric && x.step == y.step && x.variant == y.variant)
            #expect(abs(x.value - y.value) <= 1e-6 * max(1, abs(x.value)), "\(x.variant) \(x.metric) step \(x.step)")
        }
    }

    /// A run stopped before its first checkpoint left a log and a curve but nothing to resume:
    /// it starts again (the trainer alone would refuse the directory).
    @Test func aRunStoppedBeforeItsFirstCheckpointStartsAgain() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let study = Self.tinyStudy()
        let runner = StudyRunner(study: study, directory: dir)
        let runDir = runner.runDirectory(study.variants[0])
        try FileManager.default.createDirectory(at: runDir, withIntermediateDirectories: true)
        try Data("step,samples\n1,2\n".utf8).write(to: runDir.appendingPathComponent(Trainer.logFileName))
        try Data("step,val_loss\n1,9.0\n".utf8).write(to: runDir.appendingPathComponent(StudyRunner.curveFileName))
        #expect(try runner.run(shouldStop: { false }) { _ in })
        let rows = try StudyReport.read(from: dir, study: .densities).rows
        #expect(rows.filter { $0.variant == study.variants[0].name && $0.metric == StudyRow.validationLoss }.map(\.step) == [2, 4])
    }

    /// Stopped during the evaluation (after training): the rerun evaluates, without training.
    @Test func aRunStoppedDuringItsEvaluationIsEvaluatedAgain() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let runner = StudyRunner(study: Self.tinyStudy(), directory: dir)
        var trained = false
        #expect(try !runner.run(shouldStop: { trained }) { event in
            if case let .training(p, _) = event, p.step == p.steps { trained = true }
        })
        var steps: [Int] = [], resumedAt: [Int] = []
        #expect(try runner.run(shouldStop: { false }) { event in
            if case let .training(p, _) = event { steps.append(p.step) }
            if case let .runStarted(_, _, _, from) = event { resumedAt.append(from) }
        })
        #expect(resumedAt == [4, 0])
        #expect(steps == [1, 2, 3, 4])   // only the second run trains
    }

    @Test func aRunDirectoryOfOtherOptionsIsRefused() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let study = Self.tinyStudy()
        var stop = false
        _ = try StudyRunner(study: study, directory: dir).run(shouldStop: { stop }) { event in
            if case let .training(p, _) = event, p.step == 2 { stop = true }
        }
        var changed = study.variants
        changed[0].options.batchSize = 3
        let other = Study(kind: .densities, budget: .quick, settings: study.settings, variants: changed)
        #expect(throws: StudyError.self) { try StudyRunner(study: other, directory: dir).run(shouldStop: { false }) { _ in } }
    }
}
