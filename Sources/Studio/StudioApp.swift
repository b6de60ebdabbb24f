import CNcurses
import FlowCore
import Foundation
import Generation
import Imaging

/// How the studio is started (the `flowstudio studio` options).
public struct StudioOptions: Sendable {
    /// A theme name from the themes folder, or a path to a theme file; nil chooses by the
    /// terminal: "default", or "sixteen" on a terminal with fewer than 16 colours (where the
    /// other themes' RGB colours collapse onto too few).
    public var theme: String?
    /// Forces a preview protocol instead of probing the terminal.
    public var preview: PreviewProtocol?
    /// A PNG whose A1111 `parameters` chunk gives the starting settings.
    public var from: String?
    /// Where favorites and exports go (default `$XDG_DATA_HOME/flowstudio`).
    public var dataDirectory: String?
    /// Live re-generation when typing pauses.
    public var live = true
    /// Shown in the status line at start (e.g. why the requested model was not loaded).
    public var startupMessages: [StatusMessage] = []
    /// The noise source of new runs (`--noise`); nil keeps the model's default, or the one the
    /// `--from` image records. Restored favorites bring their own.
    public var noise: NoiseSource?
    /// Where the starting model came from (the model list shows it and `models.json` records
    /// it); nil when it cannot be loaded again (the untrained stand-in).
    public var modelPath: String?
    /// Makes a model from a path (a file or folder) for the model list (Ctrl-O); it runs on a
    /// background thread and throws with a message that says what is wrong. nil: the list only
    /// shows the models. The studio knows nothing of model formats: this does.
    public var loadModel: (@Sendable (String) throws -> any ImageGenerator)?

    public init() {}
}

/// Opens the studio on the process's terminal.
public enum StudioApp {
    /// Runs the studio until the user quits. Throws before the screen opens when the options
    /// cannot work (no terminal, unreadable `--from` file); the terminal is restored on every
    /// exit, including crash signals.
    public static func run(generator: any ImageGenerator, options: StudioOptions) throws {
        let environment = ProcessInfo.processInfo.environment
        let dataDirectory = options.dataDirectory.map { URL(fileURLWithPath: $0) }
            ?? FavoritesStore.defaultDirectory(environment: environment)
        var messages = options.startupMessages
        let restored = try options.from.map { try settings(fromPNG: $0, defaults: generator.defaultSettings) }
        var initial = restored?.settings
        if let noise = options.noise {
            initial = initial ?? generator.defaultSettings
            initial?.noise = noise
        }
        if let from = options.from { messages.append(.info("settings restored from \(from)")) }
        if let noise = initial?.noise, noise != .default {
            messages.append(.info("initial noise: \(noise.rawValue) (as torch.randn on the CPU draws it)"))
        }
        messages += (restored?.warnings ?? []).map { .warning($0) }
        if let why = checkWritable(dataDirectory) { messages.append(.error(why)) }

        let (probe, tmux) = PreviewChoice.ask(override: options.preview, environment: environment)
        let terminal = try CursesTerminal()
        defer { terminal.shutdown() }
        terminal.pushBack(probe.typedAhead)  // keys typed while the program started

        let library = ThemeLibrary.standard(dataDirectory: dataDirectory, environment: environment)
        let (theme, themeWarning) = library.load(options.theme ?? ((8..<16).contains(terminal.colorCount) ? "sixteen" : "default"))
        if let themeWarning { messages.append(.warning(themeWarning)) }
        let choice = PreviewChoice.choose(probe: probe, tmux: tmux, override: options.preview,
                                          colorCount: terminal.colorCount, environment: environment)
        let chosen = choice.previewProtocol
        terminal.passthrough = choice.passthrough
        if let note = choice.note { messages.append(.info(note)) }
        if terminal.colorCount < 8 && options.preview == nil {
            messages.append(.info("this terminal shows no colours: previews are ASCII shades"))
        }
        let configuration = StudioController.Configuration(
            previewProtocol: chosen, theme: theme, themes: library, store: FavoritesStore(directory: dataDirectory),
            live: options.live, sixelRegisters: probe.colorRegisters.map { min(256, max(2, $0)) } ?? 256,
            initialSettings: initial, startupMessages: messages, modelPath: options.modelPath, loadModel: options.loadModel)
        let controller = StudioController(terminal: terminal, generator: generator, configuration: configuration)
        controller.run()
        if !controller.workerEnded {
            // A step of a slow model is still running: restore the terminal and leave at once
            // rather than tear the process down under it.
            terminal.shutdown()
            _exit(0)
        }
    }

    /// The settings in a PNG's A1111 `parameters` chunk; absent fields keep `defaults`. The
    /// warnings name what could not be taken over (a sampler FlowStudio does not have).
    public static func settings(fromPNG path: String, defaults: GenerationSettings) throws
        -> (settings: GenerationSettings, warnings: [String]) {
        let url = URL(fileURLWithPath: path)
        let read: (text: [String: String], warning: String?)
        do {
            let png = try PNG.read(from: url)
            read = (png.text, png.warning)
        } catch {
            throw StudioStartError("--from: \(error)")
        }
        guard let parameters = read.text["parameters"] else {
            if let warning = read.warning, warning.contains("CRC") {
                throw StudioStartError("\(path) has a damaged text chunk (libpng: \(warning)), so its 'parameters' cannot be read; nothing to restore")
            }
            throw StudioStartError("\(path) has no 'parameters' text chunk (the settings AUTOMATIC1111 and FlowStudio write); nothing to restore")
        }
        do {
            return try A1111Parameters(parsing: parameters).settings(defaults: defaults)
        } catch {
            throw StudioStartError("cannot restore settings from \(path): \(error)")
        }
    }

    /// nil when the folder exists (or can be created) and is writable; otherwise why not.
    static func checkWritable(_ directory: URL) -> String? {
        if let why = FileSystem.createDirectories(directory) {
            return "cannot create the data folder \(directory.path) (\(why)); favorites and exports will fail (use --data-dir or XDG_DATA_HOME)"
        }
        guard access(directory.path, W_OK) == 0 else {
            return "the data folder \(directory.path) is not writable; favorites and exports will fail (use --data-dir or XDG_DATA_HOME)"
        }
        return nil
    }
}

/// A reason the studio cannot start, said before the screen opens.
public struct StudioStartError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
