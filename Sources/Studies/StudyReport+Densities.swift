import FlowCore
import Foundation
import Imaging

extension StudyReport {
    /// The metrics each density is ranked on (the final validation loss, lower is better, and
    /// the overall score at each sampling-step count, higher is better), with the values per
    /// group (seeds averaged) and the average rank.
    func densityRanking() -> (groups: [GroupSummary], metricNames: [String], values: [[Double]], averageRanks: [Double]) {
        let groups = self.groups.filter { $0.finalLoss != nil }
        let steps = samplingSteps
        let names = ["val loss"] + steps.map { "eval@\($0)" }
        let values = groups.map { g in [g.finalLoss!] + steps.map { g.score(StudyRow.evalOverall, $0) ?? 0 } }
        let ranks = StudyRanking.averageRanks(values, lowerIsBetter: [true] + steps.map { _ in false })
        return (groups, names, values, ranks)
    }

    func densitiesMarkdown() -> String {
        let all = runs
        let (groups, names, values, ranks) = densityRanking()
        let steps = samplingSteps
        var md = "# Timestep densities: `flowstudio study densities`\n\n"
        if let run = all.first {
            md += "Each run trains the same model (depth \(run.depth), \(Format.millions(run.parameters)) trained parameters) for \(run.finalStep) steps with one timestep density; only the density (and, for repeated runs, the seed of the data and the initialisation) differs. "
        }
        md += "**val loss** is the EMA weights' flow-matching loss at the last step on one fixed held-out set (the same images, captions, noise and t grid for every run). **eval@N** is the Shapes evaluation's overall score (mean of the category scores) of the final snapshot sampled with N Euler steps. Runs of one density are averaged over seeds. **avg rank** ranks each density on each of these \(names.count) metrics (1 = best, ties share) and averages the ranks, as the SD3 paper's Table 1 does.\n\n"
        md += "| density | runs | " + names.joined(separator: " | ") + " | avg rank |\n"
        md += "|---|---:|" + names.map { _ in "---:" }.joined(separator: "|") + "|---:|\n"
        let order = groups.indices.sorted { ranks[$0] < ranks[$1] || (ranks[$0] == ranks[$1] && $0 < $1) }
        for i in order {
            let cells = [Format.loss(values[i][0])] + values[i].dropFirst().map { Format.score($0) }
            md += "| \(groups[i].label) | \(groups[i].runs.count) | " + cells.joined(separator: " | ") + String(format: " | %.2f |\n", ranks[i])
        }

        let repeated = groups.filter { $0.runs.count > 1 }
        if !repeated.isEmpty {
            md += "\n## Seed to seed\n\nThe same density trained with another seed (data order and initialisation): the spread here is the noise the differences above must beat.\n\n"
            md += "| density | seed | val loss | " + steps.map { "eval@\($0)" }.joined(separator: " | ") + " |\n"
            md += "|---|---:|---:|" + steps.map { _ in "---:" }.joined(separator: "|") + "|\n"
            for g in repeated {
                for run in g.runs {
                    md += "| \(g.label) | \(run.seed) | \(Format.loss(run.finalLoss)) | "
                        + steps.map { Format.score(run.scores[StudyRow.evalOverall]?[$0]) }.joined(separator: " | ") + " |\n"
                }
                let losses = g.runs.compactMap(\.finalLoss)
                md += "| \(g.label) | spread (max − min) | \(Format.loss((losses.max() ?? 0) - (losses.min() ?? 0))) | "
                    + steps.map { n in
                        let s = g.runs.compactMap { $0.scores[StudyRow.evalOverall]?[n] }
                        return Format.score((s.max() ?? 0) - (s.min() ?? 0))
                    }.joined(separator: " | ") + " |\n"
            }
        }
        md += "\n## Per category\n\n" + categoryTable(groups: groups)
        md += "\nPlots: `val-loss-vs-step.png` (validation loss against training step, one line per run), `eval-vs-sampling-steps.png` (overall score against sampling steps, seeds averaged).\n"
        return md
    }

    /// Per group and sampling-step count: every category's score and the overall score.
    func categoryTable(groups: [GroupSummary]) -> String {
        let cats = categories
        var md = "| variant | steps | " + cats.joined(separator: " | ") + " | overall |\n"
        md += "|---|---:|" + cats.map { _ in "---:" }.joined(separator: "|") + "|---:|\n"
        for g in groups {
            for n in samplingSteps {
                md += "| \(g.label) | \(n) | " + cats.map { Format.score(g.score(StudyRow.evalMetric($0), n)) }.joined(separator: " | ")
                    + " | \(Format.score(g.score(StudyRow.evalOverall, n))) |\n"
            }
        }
        return md
    }

    func densitiesPlots() -> [(name: String, plot: LinePlot)] {
        let groups = self.groups
        func color(_ label: String) -> RGB { PlotPalette.color(groups.firstIndex { $0.label == label } ?? 0) }
        // One colour per run: the groups' colours first, then one more for each repeated seed.
        var extraColor = groups.count
        var loss = LinePlot(title: "Validation loss during training, per timestep density",
                            xTitle: "training step", yTitle: "validation loss (fixed t grid)")
        for g in groups {
            for (k, run) in g.runs.enumerated() {
                let name = g.runs.count > 1 ? "\(g.label) seed \(run.seed)" : g.label
                var runColor = color(g.label)
                if k > 0 { runColor = PlotPalette.color(extraColor); extraColor += 1 }
                loss.series.append(.init(name: name, points: run.curve.map { (Double($0.step), $0.loss) }, color: runColor,
                                         markers: run.curve.count <= 30))
            }
        }
        var eval = LinePlot(title: "Prompt following against sampling steps", xTitle: "sampling steps (Euler)",
                            yTitle: "Shapes eval, overall (seeds averaged)")
        eval.yRange = 0...1
        for g in groups {
            let points = samplingSteps.compactMap { n in g.score(StudyRow.evalOverall, n).map { (Double(n), $0) } }
            eval.series.append(.init(name: g.label, points: points, color: color(g.label)))
        }
        return [("val-loss-vs-step.png", loss), ("eval-vs-sampling-steps.png", eval)]
    }
}
