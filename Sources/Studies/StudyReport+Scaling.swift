import FlowCore
import Foundation
import Imaging

extension StudyReport {
    /// L = a·C^b through each depth's final (training FLOPs, validation loss).
    func scalingFit() -> PowerLaw? {
        let finals = runs.filter { $0.finalLoss != nil }
        return PowerLaw.fit(x: finals.map(\.finalFLOPs), y: finals.map { $0.finalLoss! })
    }

    func scalingMarkdown() -> String {
        let all = runs.filter { $0.finalLoss != nil }
        let steps = samplingSteps
        var md = "# Scaling: `flowstudio study scaling`\n\n"
        md += "The same data, timestep density, batch and schedule at each depth (hidden 64·depth, heads = depth). **training FLOPs** count the MM-DiT's matrix products, forward and backward (3 × the forward), up to the last step; the text encoder is not counted. **val loss** is the EMA weights' flow-matching loss at the last step on one fixed held-out set (the same images, captions, noise and t grid for every run). **eval@N** is the Shapes evaluation's overall score with N sampling steps.\n\n"
        md += "| variant | trained parameters | steps | training FLOPs | val loss | " + steps.map { "eval@\($0)" }.joined(separator: " | ") + " |\n"
        md += "|---|---:|---:|---:|---:|" + steps.map { _ in "---:" }.joined(separator: "|") + "|\n"
        for run in all {
            md += "| \(run.label) | \(Format.millions(run.parameters)) | \(run.finalStep) | \(Format.flops(run.finalFLOPs)) | \(Format.loss(run.finalLoss)) | "
                + steps.map { Format.score(run.scores[StudyRow.evalOverall]?[$0]) }.joined(separator: " | ") + " |\n"
        }
        md += "\n## At equal compute\n\n" + equalComputeTable(all)
        md += "\n## Power law\n\n"
        if let fit = scalingFit() {
            md += "Least squares on (log C, log L) through each depth's final point: **\(fit.description)** (C in FLOPs; b = \(String(format: "%.4f", fit.b)), R² in log space \(String(format: "%.3f", fit.rSquared)), \(all.count) points).\n"
        } else {
            md += "Not enough points for a fit (it needs two runs with different training FLOPs).\n"
        }
        md += "\n## Per category\n\n" + categoryTable(groups: groups)
        md += "\nPlots: `val-loss-vs-step.png` and `val-loss-vs-flops.png` (log–log, one line per depth; the fitted law in grey), `eval-vs-val-loss.png` (each depth's final overall score against its final validation loss, one line per sampling-step count).\n"
        return md
    }

    /// Each depth's validation loss at each depth's final training FLOPs, read off its curve
    /// (interpolated in log–log; "–" where its curve does not reach that compute).
    func equalComputeTable(_ all: [RunSummary]) -> String {
        var md = "Each depth's validation loss at the compute where each run ended, read off its curve (interpolated in log–log between the curve's points; – where the curve does not cover that compute): equal FLOPs rather than equal steps.\n\n"
        md += "| training FLOPs | " + all.map(\.label).joined(separator: " | ") + " |\n"
        md += "|---:|" + all.map { _ in "---:" }.joined(separator: "|") + "|\n"
        for level in all.map(\.finalFLOPs).sorted() where level > 0 {
            md += "| \(Format.flops(level)) | " + all.map { Format.loss($0.loss(atFLOPs: level)) }.joined(separator: " | ") + " |\n"
        }
        return md
    }

    func scalingPlots() -> [(name: String, plot: LinePlot)] {
        let all = runs
        var byStep = LinePlot(title: "Validation loss against training step, per depth", xTitle: "training step",
                              yTitle: "validation loss", xScale: .logarithmic, yScale: .logarithmic)
        var byFLOPs = LinePlot(title: "Validation loss against training compute, per depth", xTitle: "training FLOPs (MM-DiT)",
                               yTitle: "validation loss", xScale: .logarithmic, yScale: .logarithmic)
        for (i, run) in all.enumerated() {
            byStep.series.append(.init(name: run.label, points: run.curve.map { (Double($0.step), $0.loss) }, color: PlotPalette.color(i),
                                       markers: run.curve.count <= 30))
            byFLOPs.series.append(.init(name: run.label, points: run.curve.map { ($0.flops, $0.loss) }, color: PlotPalette.color(i),
                                        markers: run.curve.count <= 30))
        }
        if let fit = scalingFit() {
            let cs = all.map(\.finalFLOPs).filter { $0 > 0 }
            if let lo = cs.min(), let hi = cs.max() {
                let xs = (0...20).map { lo * pow(hi / lo, Double($0) / 20) }
                byFLOPs.series.append(.init(name: "fit", points: xs.map { ($0, fit($0)) }, color: RGB(110, 110, 110), markers: false))
            }
            byFLOPs.notes = ["fit through the final points: " + fit.description]
        }
        var eval = LinePlot(title: "Prompt following against validation loss", xTitle: "final validation loss",
                            yTitle: "Shapes eval, overall")
        eval.yRange = 0...1
        let finals = all.filter { $0.finalLoss != nil }.sorted { $0.finalLoss! < $1.finalLoss! }
        for (i, n) in samplingSteps.enumerated() {
            let points = finals.compactMap { run in run.scores[StudyRow.evalOverall]?[n].map { (run.finalLoss!, $0) } }
            eval.series.append(.init(name: "\(n) steps", points: points, color: PlotPalette.color(i)))
        }
        eval.notes = ["one point per depth: " + finals.map(\.label).joined(separator: ", ")]
        return [("val-loss-vs-step.png", byStep), ("val-loss-vs-flops.png", byFLOPs), ("eval-vs-val-loss.png", eval)]
    }
}
