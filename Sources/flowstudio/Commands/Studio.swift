import ArgumentParser
import FlowCore
import Foundation
import Generation
import Imaging
import Studio

/// `flowstudio studio` (the default): the full-screen TUI.
struct StudioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "studio",
        abstract: "Open the studio: edit a prompt and settings, watch every denoising step, keep favorites.",
        discussion: """
        Keys: \(Keymap.summary) (F1 in the studio lists more; the README has them all). \
        Favorites and exports go to $XDG_DATA_HOME/flowstudio (default ~/.local/share/flowstudio).
        """)

    @Option(help: "The model: a demo-model file made by `flowstudio train`, or an SD3 / SD3.5 model (a diffusers folder or a Stability single file); default: the bundled model (`random` runs an untrained stand-in for UI development).")
    var model: String?
    @Option(help: "Theme name from the themes folder (default, light, high-contrast, sixteen) or a path to a .toml file (default: default, or sixteen on a terminal with fewer than 16 colours).")
    var theme: String?
    @Option(help: "Preview protocol: kitty, iterm2, sixel, truecolor, 256 or ascii (default: ask the terminal).")
    var preview: String?
    @Option(help: "Start from the settings in a PNG's 'parameters' chunk (FlowStudio or AUTOMATIC1111 images).")
    var from: String?
    @Option(help: "Folder for favorites and exports (overrides $XDG_DATA_HOME/flowstudio).")
    var dataDir: String?
    @Option(help: ArgumentHelp(NoiseSource.help.abstract + " Default: the --from image's, else philox."))
    var noise: NoiseSource?
    @Flag(help: "Do not re-generate automatically when the prompt or a setting changes.")
    var noLive = false
    @Flag(help: .hidden)
    var measure = false
    /// `--measure` with an SD3-family MM-DiT at full size with random weights (no download).
    @Option(help: .hidden)
    var measureRandom: String?
    /// `--measure` with an SD3 model: the steps of the measured run (default: the model's; 1 with `--measure-random`).
    @Option(help: .hidden)
    var measureSteps: Int?
    /// `--measure` with an SD3 model: the image size, WIDTHxHEIGHT (default: the model's).
    @Option(help: .hidden)
    var measureSize: String?
    /// Prints the keymap as the Markdown table the README holds.
    @Flag(help: .hidden)
    var printKeymap = false
    @OptionGroup var components: SD3ComponentOptions
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        if let preview, PreviewProtocol(parsing: preview) == nil {
            throw ValidationError("--preview must be \(PreviewProtocol.names) (got '\(preview)')")
        }
    }

    /// Loads the model at `path` (a file or folder): what `--model PATH` and the studio's
    /// model list (Ctrl-O) load. Runs on the studio's loading thread.
    /// `components` (the command line's --clip-l … options) go with the start-up model only; a
    /// model chosen in the model list is loaded from its own path alone.
    /// `choice` (`--precision`) resolves per model: `auto` gives bfloat16 arithmetic for 16-bit
    /// weights on an AVX512_BF16 CPU.
    static func loadModel(_ path: String, choice: PrecisionChoice,
                          components: SD3ComponentOptions? = nil) throws -> ModelLoader.Loaded {
        guard FileManager.default.fileExists(atPath: path) else { throw CLIError("no such file or folder") }
        let url = URL(fileURLWithPath: path)
        guard let components else { return try ModelLoader.load(SD3ModelPaths(model: url), choice: choice) }
        return try components.load(model: url, choice: choice)
    }

    /// The requested model and the absolute path it came from (nil for the stand-in); one that
    /// fails to load is replaced by the bundled one (or the stand-in when there is none) and
    /// the reason goes to the status line.
    func loadGenerator() throws -> (generator: any ImageGenerator, path: String?, messages: [StatusMessage]) {
        if model == "random" {
            return (try RandomPixelGenerator(), nil, [.warning("running the random (untrained) stand-in model: its images are noise")])
        }
        var messages: [StatusMessage] = []
        if let model {
            do {
                let path = try fileURL(model, option: "--model").standardizedFileURL.path
                // The studio's screen opens once the model is in memory: a large one takes minutes.
                printError("loading \(model)…")
                let loaded = try Self.loadModel(path, choice: compute.precisionChoice, components: components)
                return (loaded.generator, path, loaded.notes.map { .info($0) } + loaded.warnings.map { .warning($0) })
            } catch {
                messages.append(.error("cannot load --model \(model): \(error)"))
            }
        }
        if let url = DemoPipeline.bundledModelURL {
            do {
                let bundled = try DemoPipeline(contentsOf: url, precision: compute.precision)
                if !messages.isEmpty { messages[0] = .error(messages[0].text + "; using the bundled model \(bundled.modelName)") }
                return (bundled, url.standardizedFileURL.path, messages)
            } catch {
                messages.append(.error("the bundled model does not load: \(error)"))
            }
        } else {
            messages.append(.error("this build has no bundled model"))
        }
        messages.append(.warning("running the random (untrained) stand-in model: its images are noise"))
        return (try RandomPixelGenerator(), nil, messages)
    }

    func run() throws {
        if printKeymap {
            print(Keymap.markdownTable, terminator: "")
            return
        }
        compute.apply()
        let (generator, modelPath, messages) = try loadGenerator()
        if measure {
            try runMeasurement(generator: generator)
            return
        }
        var options = StudioOptions()
        options.theme = theme
        options.preview = preview.flatMap(PreviewProtocol.init(parsing:))
        options.from = from
        options.dataDirectory = dataDir
        options.live = !noLive
        options.startupMessages = messages
        options.noise = noise
        options.modelPath = modelPath
        let choice = compute.precisionChoice
        options.loadModel = { path in try Self.loadModel(path, choice: choice).generator }
        do {
            try StudioApp.run(generator: generator, options: options)
        } catch let error as StudioStartError {
            throw CLIError(error.description)
        } catch let error as CursesError {
            throw CLIError(error.description)
        }
    }
}
