import FlowCore
import Foundation
import Imaging

/// A study's results and what is made from them: `results.csv` (the rows), `results.md` (the
/// tables) and the plots, all from the rows alone, so `--redraw` rebuilds everything but the
/// CSV without training.
public struct StudyReport {
    public let study: StudyKind
    public let rows: [StudyRow]

    public static let csvFileName = "results.csv"
    public static let markdownFileName = "results.md"

    public init(study: StudyKind, rows: [StudyRow]) {
        self.study = study
        self.rows = rows
    }

    /// The report of the `results.csv` in `directory`.
    public static func read(from directory: URL, study: StudyKind) throws -> StudyReport {
        let url = directory.appendingPathComponent(csvFileName)
        guard FileManager.default.fileExists(atPath: url.path) else { throw StudyError.noResults(directory.path) }
        let rows = try StudyCSV.decode(ReadableFile.text(of: url, expected: "a study's results.csv", maximumByteCount: 256 << 20))
        if let other = rows.first(where: { $0.study != study }) {
            throw StudyError.badResults("it holds rows of the \(other.study.rawValue) study, not the \(study.rawValue) study")
        }
        return StudyReport(study: study, rows: rows)
    }

    /// Writes `results.csv`, then the tables and plots; returns the files written.
    @discardableResult
    public func write(to directory: URL) throws -> [URL] {
        let csv = directory.appendingPathComponent(Self.csvFileName)
        try WritableFile.write(Array(StudyCSV.encode(rows).utf8), to: csv)
        return [csv] + (try writeTablesAndPlots(to: directory))
    }

    /// Writes `results.md` and the plots (PNG); returns the files written.
    @discardableResult
    public func writeTablesAndPlots(to directory: URL) throws -> [URL] {
        let md = directory.appendingPathComponent(Self.markdownFileName)
        try WritableFile.write(Array(markdown().utf8), to: md)
        var written = [md]
        for (name, plot) in plots() {
            let url = directory.appendingPathComponent(name)
            try PNG.write(plot.render(), to: url)
            written.append(url)
        }
        return written
    }

    /// The tables in Markdown.
    public func markdown() -> String {
        switch study {
        case .densities: return densitiesMarkdown()
        case .scaling: return scalingMarkdown()
        }
    }

    /// The plots by file name.
    public func plots() -> [(name: String, plot: LinePlot)] {
        switch study {
        case .densities: return densitiesPlots()
        case .scaling: return scalingPlots()
        }
    }
}

/// One run's numbers, gathered from its rows.
struct RunSummary {
    let variant: String
    let label: String
    let timesteps: String
    let depth: Int
    let seed: UInt64
    let parameters: Int
    /// (step, training FLOPs, loss), in step order.
    let curve: [(step: Int, flops: Double, loss: Double)]
    /// Scores by metric, then sampling steps.
    let scores: [String: [Int: Double]]

    var finalLoss: Double? { curve.last?.loss }

    /// The validation loss at `flops` training FLOPs, interpolated linearly in (log C, log L)
    /// between the two curve points around it; nil outside the curve.
    func loss(atFLOPs flops: Double) -> Double? {
        guard flops > 0 else { return nil }
        for (a, b) in zip(curve, curve.dropFirst()) where a.flops > 0 && a.flops <= flops && flops <= b.flops {
            if b.flops == a.flops { return b.loss }
            let f = (log(flops) - log(a.flops)) / (log(b.flops) - log(a.flops))
            return exp(log(a.loss) + f * (log(b.loss) - log(a.loss)))
        }
        if let only = curve.first, curve.count == 1, only.flops == flops { return only.loss }
        return nil
    }
    var finalStep: Int { curve.last?.step ?? 0 }
    var finalFLOPs: Double { curve.last?.flops ?? 0 }
}

/// The runs of one group (a density or a depth), seeds averaged.
struct GroupSummary {
    let label: String
    let runs: [RunSummary]

    var finalLoss: Double? {
        let losses = runs.compactMap(\.finalLoss)
        return losses.isEmpty ? nil : losses.reduce(0, +) / Double(losses.count)
    }

    /// The seed-averaged score of `metric` at `samplingSteps` (nil when no run has it).
    func score(_ metric: String, _ samplingSteps: Int) -> Double? {
        let values = runs.compactMap { $0.scores[metric]?[samplingSteps] }
        return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }
}

extension StudyReport {
    /// The runs in the order their rows first appear.
    var runs: [RunSummary] {
        var order: [String] = []
        var byVariant: [String: [StudyRow]] = [:]
        for row in rows {
            if byVariant[row.variant] == nil { order.append(row.variant) }
            byVariant[row.variant, default: []].append(row)
        }
        return order.map { name in
            let r = byVariant[name]!
            let curve = r.filter { $0.metric == StudyRow.validationLoss }.sorted { $0.step < $1.step }
                .map { (step: $0.step, flops: $0.trainingFLOPs, loss: $0.value) }
            var scores: [String: [Int: Double]] = [:]
            for row in r where row.metric != StudyRow.validationLoss {
                if let n = row.samplingSteps { scores[row.metric, default: [:]][n] = row.value }
            }
            return RunSummary(variant: name, label: r[0].label, timesteps: r[0].timesteps, depth: r[0].depth, seed: r[0].seed,
                              parameters: r[0].parameters, curve: curve, scores: scores)
        }
    }

    /// The groups in the order their first run appears.
    var groups: [GroupSummary] {
        let all = runs
        var labels: [String] = []
        for run in all where !labels.contains(run.label) { labels.append(run.label) }
        return labels.map { label in GroupSummary(label: label, runs: all.filter { $0.label == label }) }
    }

    /// Every sampling-step count evaluated, ascending.
    var samplingSteps: [Int] {
        Array(Set(rows.compactMap(\.samplingSteps))).sorted()
    }

    /// The evaluation categories present, in the order they first appear.
    var categories: [String] {
        var seen: [String] = []
        for row in rows where row.metric.hasPrefix("eval_") && row.metric != StudyRow.evalOverall {
            let name = String(row.metric.dropFirst(5))
            if !seen.contains(name) { seen.append(name) }
        }
        return seen
    }
}

/// Number formatting for the tables.
enum Format {
    static func loss(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "–" }
    static func score(_ v: Double?) -> String { v.map { String(format: "%.3f", $0) } ?? "–" }
    static func flops(_ v: Double) -> String { String(format: "%.3g", v) }
    static func millions(_ n: Int) -> String { String(format: "%.2f M", Double(n) / 1e6) }
}
