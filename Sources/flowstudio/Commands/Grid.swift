import ArgumentParser
import Foundation
import FlowCore
import Generation
import Imaging
import RectifiedFlow

/// `flowstudio grid PROMPT --x seed=1,2,3 --y cfg=3,5`: an X/Y grid of images as one labelled
/// contact sheet (and optionally every cell), as the studio's Ctrl-X makes it.
struct GridCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grid",
        abstract: "Sweep one or two settings over a few values and write the images as one labelled contact sheet (PNG).",
        discussion: """
        Each axis is SETTING=V1,V2,… with SETTING one of seed, cfg, steps, shift, sampler, word; \
        `word` sweeps the prompt's word written as A|B|C (e.g. "a red|blue|green circle"), or \
        word=V1,V2 replaces that word with the values given. The other settings are generate's options.
        """)

    @Argument(help: "The prompt; a word written A|B|C is what --x word / --y word sweeps.")
    var prompt: String
    @Option(help: "The axis across, e.g. seed=1,2,3.") var x: String
    @Option(help: "The axis down (optional), e.g. cfg=3,5.") var y: String?
    @Option(help: "Negative prompt (the unconditional branch of CFG).")
    var negative = ""
    @OptionGroup var sampling: SamplingOptions
    @Option(parsing: .unconditional, help: SeedArgument.help) var seed = SeedArgument(1)
    @Option(help: "Output PNG path of the sheet.") var out = "flowstudio-grid.png"
    @Option(help: "Also write every cell as its own PNG (with its own parameters) into this folder.")
    var cells: String?
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var held: HeldWeightsOption
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        compute.apply()
        let sweep: Sweep
        do {
            let xAxis = try SweepAxis(parsing: x, prompt: prompt)
            let yAxis = try y.map { try SweepAxis(parsing: $0, prompt: prompt) }
            sweep = try Sweep(x: xAxis, y: yAxis)
        } catch {
            throw CLIError("\(error)")
        }
        let generator = try modelOptions.loadGenerator(precision: compute.precisionChoice, weights: held.weights)
        var base = sampling.applied(to: generator.defaultSettings)
        base.prompt = prompt
        base.negativePrompt = negative
        base.seed = seed.resolve()
        if seed.fixed == nil { printError("seed \(base.seed) (random)") }
        let outURL = try fileURL(out, option: "--out")
        do {
            try PNG.checkDestination(outURL)
        } catch {
            throw CLIError("\(error); choose another --out")
        }
        let cellsURL = try cells.map { try fileURL($0, option: "--cells") }
        if let cellsURL {
            do {
                try FileManager.default.createDirectory(at: cellsURL, withIntermediateDirectories: true)
            } catch {
                throw CLIError("cannot make the folder \(cellsURL.path) for --cells: \(error.localizedDescription)")
            }
        }
        let settings = sweep.cells(base: base)
        var images: [RGBImage?] = Array(repeating: nil, count: settings.count)
        let start = Date()
        for (i, cell) in settings.enumerated() {
            if let ignored = generator.ignoredWords(in: cell.prompt).message { printError("warning: cell \(i + 1): \(ignored)") }
            let bar = ProgressLine()
            let result = try generator.generate(cell) { progress in
                bar.update(done: progress.step + 1, total: progress.stepCount, label: "cell \(i + 1)/\(settings.count)")
                return true
            }
            bar.finish()
            guard let result else { throw CLIError("generation was cancelled") }
            images[i] = result.image
            if let cellsURL {
                let file = cellsURL.appendingPathComponent(String(format: "cell-%02d.png", i + 1))
                let parameters = A1111Parameters(settings: cell, modelName: generator.modelName, modelHash: generator.modelHash)
                try PNG.write(result.image, to: file, text: [("parameters", parameters.encoded)])
            }
        }
        let sheet = RGBImage.labelledGrid(images, columns: sweep.columns, cellWidth: base.width, cellHeight: base.height,
                                          columnLabels: (0..<sweep.columns).map(sweep.x.label),
                                          rowLabels: sweep.y.map { axis in (0..<axis.values.count).map(axis.label) } ?? [])
        var parameters = A1111Parameters(settings: base, modelName: generator.modelName, modelHash: generator.modelHash)
        parameters.fields.insert(.init(Sweep.fieldKey, sweep.fieldValue),
                                 at: parameters.fields.firstIndex { $0.key == "Version" } ?? parameters.fields.count)
        try PNG.write(sheet, to: outURL, text: [("parameters", parameters.encoded)])
        printError(String(format: "wrote %@ (%d×%d, %d cells) in %.1fs", out, sheet.width, sheet.height, settings.count,
                          Date().timeIntervalSince(start)))
    }
}
