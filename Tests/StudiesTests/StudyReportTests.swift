import Foundation
import Testing
@testable import Studies

@Suite struct StudyReportTests {
    /// Three densities, X with two seeds. Seeds averaged first (X: loss 0.42, eval@5 0.4,
    /// eval@25 0.6), then ranked per metric:
    ///
    ///     density  loss  eval@5  eval@25   ranks           average
    ///     X        0.42  0.4     0.6       2, 2, 1.5       11/6
    ///     Y        0.41  0.2     0.6       1, 3, 1.5       11/6
    ///     Z        0.43  0.6     0.1       3, 1, 3         7/3
    static func rows() -> [StudyRow] {
        var rows: [StudyRow] = []
        func run(_ label: String, seed: UInt64, loss: Double, eval5: Double, eval25: Double) {
            let variant = "\(label)-seed\(seed)"
            func row(_ metric: String, _ n: Int?, _ step: Int, _ value: Double) -> StudyRow {
                StudyRow(study: .densities, variant: variant, label: label, timesteps: "uniform", depth: 2, seed: seed, parameters: 1000,
                         metric: metric, samplingSteps: n, step: step, trainingFLOPs: Double(step) * 1e9, value: value)
            }
            rows += [row(StudyRow.validationLoss, nil, 50, loss + 0.1), row(StudyRow.validationLoss, nil, 100, loss),
                     row(StudyRow.evalOverall, 5, 100, eval5), row(StudyRow.evalOverall, 25, 100, eval25),
                     row(StudyRow.evalMetric("shape"), 5, 100, 1), row(StudyRow.evalMetric("shape"), 25, 100, 0.5)]
        }
        run("X", seed: 0, loss: 0.40, eval5: 0.5, eval25: 0.7)
        run("X", seed: 1, loss: 0.44, eval5: 0.3, eval25: 0.5)
        run("Y", seed: 0, loss: 0.41, eval5: 0.2, eval25: 0.6)
        run("Z", seed: 0, loss: 0.43, eval5: 0.6, eval25: 0.1)
        return rows
    }

    @Test func ranksSeedAveragedDensities() {
        let ranking = StudyReport(study: .densities, rows: Self.rows()).densityRanking()
        #expect(ranking.groups.map(\.label) == ["X", "Y", "Z"])
        #expect(ranking.metricNames == ["val loss", "eval@5", "eval@25"])
        let expectedValues: [[Double]] = [[0.42, 0.4, 0.6], [0.41, 0.2, 0.6], [0.43, 0.6, 0.1]]
        for (got, want) in zip(ranking.values, expectedValues) {
            for (g, w) in zip(got, want) { #expect(abs(g - w) < 1e-12) }
        }
        for (got, want) in zip(ranking.averageRanks, [11.0 / 6, 11.0 / 6, 7.0 / 3]) { #expect(abs(got - want) < 1e-12) }
        let md = StudyReport(study: .densities, rows: Self.rows()).markdown()
        #expect(md.contains("| X | 2 | 0.4200 | 0.400 | 0.600 | 1.83 |"))
        #expect(md.contains("| Z | 1 | 0.4300 | 0.600 | 0.100 | 2.33 |"))
        #expect(md.contains("| X | spread (max − min) | 0.0400 | 0.200 | 0.200 |"))
    }

    @Test func writesAndRedrawsFromTheCSVAlone() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("study-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let report = StudyReport(study: .densities, rows: Self.rows())
        let written = try report.write(to: dir)
        #expect(written.map(\.lastPathComponent) == ["results.csv", "results.md", "val-loss-vs-step.png", "eval-vs-sampling-steps.png"])
        let markdown = try String(contentsOf: dir.appendingPathComponent("results.md"), encoding: .utf8)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("results.md"))
        let read = try StudyReport.read(from: dir, study: .densities)
        #expect(read.rows == report.rows)
        _ = try read.writeTablesAndPlots(to: dir)
        #expect(try String(contentsOf: dir.appendingPathComponent("results.md"), encoding: .utf8) == markdown)
        #expect(throws: StudyError.self) { try StudyReport.read(from: dir, study: .scaling) }
    }

    /// A curve through (1e12, 0.8) and (1e14, 0.2): at 1e13, halfway in log C, the loss is the
    /// geometric mean 0.4; outside the curve there is no value.
    @Test func lossAtEqualComputeInterpolatesInLogLog() throws {
        func row(_ variant: String, _ step: Int, _ flops: Double, _ loss: Double) -> StudyRow {
            StudyRow(study: .scaling, variant: variant, label: variant, timesteps: "lognorm:0,1", depth: 2, seed: 0, parameters: 1,
                     metric: StudyRow.validationLoss, samplingSteps: nil, step: step, trainingFLOPs: flops, value: loss)
        }
        let report = StudyReport(study: .scaling, rows: [row("a", 1, 1e12, 0.8), row("a", 2, 1e14, 0.2),
                                                          row("b", 1, 1e13, 0.5), row("b", 2, 1e15, 0.3)])
        let a = try #require(report.runs.first)
        #expect(abs(try #require(a.loss(atFLOPs: 1e13)) - 0.4) < 1e-12)
        #expect(a.loss(atFLOPs: 1e12) == 0.8)
        #expect(a.loss(atFLOPs: 1e11) == nil && a.loss(atFLOPs: 1e15) == nil)
        let md = report.markdown()
        #expect(md.contains("| 1e+14 | 0.2000 | 0.3873 |"))   // b at 1e14: exp(mean(log 0.5, log 0.3))
        #expect(md.contains("| 1e+15 | – | 0.3000 |"))
    }

    @Test func scalingFitsThePowerLawThroughFinalPoints() throws {
        var rows: [StudyRow] = []
        for (depth, flops, loss) in [(2, 1e12, 0.9), (3, 1e13, 0.7), (4, 1e14, 0.62), (6, 1e15, 0.5)] {
            rows.append(StudyRow(study: .scaling, variant: "depth-\(depth)", label: "depth \(depth)", timesteps: "lognorm:0,1", depth: depth,
                                 seed: 0, parameters: depth * 1000, metric: StudyRow.validationLoss, samplingSteps: nil, step: 100,
                                 trainingFLOPs: flops, value: loss))
        }
        let fit = try #require(StudyReport(study: .scaling, rows: rows).scalingFit())
        // The same points as PowerLawTests' NumPy check, with C scaled by 1000: b is unchanged.
        #expect(abs(fit.b - -0.08185238658259206) < 1e-12)
        #expect(StudyReport(study: .scaling, rows: rows).markdown().contains(fit.description))
    }
}
