import ArgumentParser
import Foundation
import FlowCore
import Generation
import Imaging
import ShapesWorld
import Evaluation

/// `flowstudio eval`: prompt-following scores of a model on the Shapes world.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score how well a model follows prompts (GenEval-style, on the Shapes world).",
        discussion: """
        Generates every prompt with a fixed seed at the model's default settings, reads each image \
        back with the Shapes-world checker, and prints per-category scores (shape, color, position, \
        two_objects, counting, background), the overall score (mean of the categories) and the score \
        on held-out compositions (never seen in training). Writes the images, a manifest \
        (prompt<TAB>png<TAB>verdict) and contact-sheet.png to --out.
        """)

    @Option(help: "Built-in prompts, balanced across the six categories.") var count = 300
    @Option(help: "A prompt list instead (one Shapes-world prompt per line).") var prompts: String?
    @Flag(inversion: .prefixedNo, help: "Add 50 prompts that use held-out compositions.") var heldOut = true
    @Option(help: "Directory for images, manifest and contact sheet.") var out = "flowstudio-eval"
    @OptionGroup var sampling: SamplingOptions
    @Option(help: "Seed of the first prompt (prompt i uses seed + i).") var seed: UInt64 = 0
    @Option(help: "Print the report as JSON too, to this file.") var json: String?
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var held: HeldWeightsOption
    @OptionGroup var compute: ComputeOptions

    /// The built-in prompt counts `--count` accepts (each prompt is one image kept in memory).
    static let countRange = 1...10_000

    func validate() throws {
        guard Self.countRange.contains(count) else {
            throw ValidationError("--count must be between \(Self.countRange.lowerBound) and \(Self.countRange.upperBound) (got \(count))")
        }
    }

    func run() throws {
        compute.apply()
        let generator = try modelOptions.loadGenerator(precision: compute.precisionChoice, weights: held.weights)
        let list: [EvalPrompt]
        if let prompts {
            list = try ShapesEvaluation.prompts(contentsOf: fileURL(prompts, option: "--prompts"))
        } else {
            list = ShapesEvaluation.builtInPrompts(count: count, includeHeldOut: heldOut)
        }
        let settings = sampling.applied(to: generator.defaultSettings)
        let directory = try fileURL(out, option: "--out")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        printError("evaluating \(generator.modelName) (\(generator.modelSummary)) on \(list.count) prompts (\(settings.steps) steps, CFG \(settings.cfgScale), shift \(settings.shift))")
        let start = Date()
        let bar = ProgressLine()
        let report = try ShapesEvaluation.run(generator, prompts: list, settings: settings, firstSeed: seed) { done, total in
            bar.update(done: done, total: total, label: "")
        }
        bar.finish()
        var manifest = ""
        for (i, item) in report.items.enumerated() {
            let name = String(format: "%04d.png", i)
            let parameters = A1111Parameters(settings: { var s = settings; s.prompt = item.prompt.text; s.seed = item.seed; return s }(),
                                             modelName: generator.modelName, modelHash: generator.modelHash)
            try PNG.write(item.image, to: directory.appendingPathComponent(name), text: [("parameters", parameters.encoded)])
            manifest += "\(item.prompt.text)\t\(name)\t\(item.prompt.category)\(item.prompt.isHeldOut ? " (held out)" : "")\t\(item.verdict.correct ? "ok" : "wrong: " + item.verdict.reason)\n"
        }
        try WritableFile.write(Array(manifest.utf8), to: directory.appendingPathComponent("manifest.tsv"))
        try PNG.write(ShapesEvaluation.contactSheet(report), to: directory.appendingPathComponent("contact-sheet.png"))

        print("model: \(generator.modelName) (\(generator.modelSummary)), \(generator.precisionSummary)")
        print(String(format: "%d images in %.1fs; settings: %d steps, CFG %g, shift %g, %@", report.items.count,
                     Date().timeIntervalSince(start), settings.steps, settings.cfgScale, settings.shift, settings.sampler.rawValue))
        func row(_ name: String, _ score: Double, _ note: String) {
            print("  " + name.padding(toLength: 12, withPad: " ", startingAt: 0) + String(format: "%.3f", score) + note)
        }
        for c in report.categoryScores { row(c.category.rawValue, c.score, "  (\(c.count) prompts)") }
        row("overall", report.overall, "")
        if let h = report.heldOut { row("held-out", h.score, "  (\(h.count) prompts with held-out compositions)") }
        print("images, manifest.tsv and contact-sheet.png in \(out)")
        if let json {
            var object: [String: Any] = ["overall": report.overall, "images": report.items.count, "precision": generator.precisionSummary,
                                         "categories": Dictionary(uniqueKeysWithValues: report.categoryScores.map { ($0.category.rawValue, $0.score) })]
            if let h = report.heldOut { object["held_out"] = h.score }
            try WritableFile.write(JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), to: fileURL(json, option: "--json"),
                                   example: "report.json")
        }
    }
}
