import FlowCore
import Foundation
import Generation
import Imaging

/// The studio's whole screen as plain values, in parts: the `editor` (prompts, settings, focus),
/// the `run` (its steps and result), the `library` (history and favorites), the `models` (the
/// model in use, the recent ones, a load in progress), the `overlay` (help, lists, questions),
/// and the few things the status line and title share.
///
/// It does no I/O. `handle(_:now:)` looks a key up in the `Keymap` and reduces the action it
/// finds, each part reducing its own share; what must happen outside (start or cancel a run,
/// write a favorite, quit…) comes back as `StudioEffect`s for the controller, whose outcomes
/// return as `StudioEvent`s through `apply(_:now:)`. `tick(now:)` fires the live
/// re-generation once typing pauses. Time comes in as a parameter, so tests drive it without
/// clocks.
public struct StudioState: Sendable {
    // MARK: Model
    public var modelName: String { models.current.name }
    public var modelSummary: String { models.current.summary }
    public var modelHash: String { models.current.hash }

    // MARK: Parts
    public var editor: EditorState
    public var run = RunState()
    public var library: LibraryState
    public var models: ModelListState
    public var overlay = OverlayState()
    /// The step runs continue from while branching (Ctrl-N), else nil.
    public var branchPoint: BranchPoint?
    /// The sweep editor's fields, and the newest X/Y grid.
    public var sweep = SweepState()
    public var grid: GridRun?

    // MARK: Screen
    public var message: StatusMessage?
    /// A warning the status line keeps showing, whatever `message` becomes meanwhile (the live
    /// run an edit starts, its steps), until the next key or `pinnedUntil`: a paste cut at the
    /// editor's length, which the live run would otherwise replace before it can be read.
    public var pinnedMessage: StatusMessage?
    /// When `pinnedMessage` gives way (seconds on the caller's clock); `tick` clears it then.
    public var pinnedUntil: Double?
    /// How long a pinned warning stays when no key is pressed: 10 s.
    public static let pinnedSeconds = 10.0
    /// What the status line shows: the pinned warning, else the message.
    public var shownMessage: StatusMessage? { pinnedMessage ?? message }
    /// Startup notices (model, theme, data folder problems), shown in full in the empty
    /// preview pane until the first image arrives.
    public var notices: [StatusMessage] = []
    public var previewProtocol: PreviewProtocol
    public var themeName: String

    /// The state at startup: the model's defaults (or `initialSettings`, e.g. from `--from
    /// FILE.png`), the favorites read from disk, and the startup notices: `startupMessages`,
    /// then what of `initialSettings` could not be taken over, then `favoritesWarning`.
    /// `modelPath` is where the model came from (nil: it cannot be loaded again), `recentModels`
    /// the model list read from disk, `canLoadModels` whether the studio has a model loader.
    public init(generator: some ImageGenerator, live: Bool = true, seedSource: SeedSource = SeedSource(seed: 0x5EED),
                previewProtocol: PreviewProtocol = .truecolor, themeName: String = "default",
                initialSettings: GenerationSettings? = nil, favorites: [FavoriteEntry] = [], favoritesWarning: String? = nil,
                startupMessages: [StatusMessage] = [], modelPath: String? = nil, recentModels: [RecentModel] = [],
                canLoadModels: Bool = false) {
        models = ModelListState(current: .init(path: modelPath, name: generator.modelName, summary: generator.modelSummary,
                                               hash: generator.modelHash, precision: generator.precisionSummary),
                                recent: recentModels, canLoad: canLoadModels)
        editor = EditorState(defaults: generator.defaultSettings,
                             sizes: generator.supportedSizes,
                             live: live, seedSource: seedSource)
        library = LibraryState(favorites: favorites)
        self.previewProtocol = previewProtocol
        self.themeName = themeName
        var messages = startupMessages
        if let initialSettings {
            messages += restore(initialSettings).map { .warning($0) }  // a size it cannot make, a cut prompt
        }
        if let favoritesWarning { messages.append(.warning(favoritesWarning)) }
        notices = messages
        if let first = messages.first {
            message = messages.count == 1 ? first : first.replacingText(first.text + " (and \(messages.count - 1) more in the preview pane)")
        }
    }

    /// The settings as they stand (what Enter would generate, before the seed mode applies).
    public var settings: GenerationSettings { editor.settings }

    public var isRunning: Bool { run.isRunning }

    /// Sets every setting from `s`. Returns what could not be taken over as it was (a size the
    /// model cannot make, a prompt longer than the editor holds), which is also the message.
    @discardableResult
    public mutating func restore(_ s: GenerationSettings) -> [String] {
        let problems = editor.restore(s)
        branchPoint = BranchPoint(restoring: s)  // a branched image: Enter makes it again, branch and all
        if !problems.isEmpty { message = .warning(problems.joined(separator: "; ")) }
        return problems
    }

    /// Accepts the number typed into the focused field, or refuses it with the reason in the
    /// status line. True when nothing was pending or the value was accepted.
    public mutating func commitInput() -> Bool { editor.commitInput(status: &message) }

    // MARK: - Keys

    /// Handles one key at time `now` (seconds); returns what the controller must do.
    public mutating func handle(_ key: Key, now: Double) -> [StudioEffect] {
        models.announcement = nil  // a key was pressed after it: later news may replace it
        if key != .resize { (pinnedMessage, pinnedUntil) = (nil, nil) }  // the next key: it was seen
        // A sign typed on the main screen counts for the very next key only.
        let sign = overlay.mode == .main ? editor.takePendingSign() : nil
        guard key != .resize,
              let action = Keymap.action(for: key, in: overlay.keyContexts(textFocused: textFocused)) else { return [] }
        return reduce(action, key: key, now: now, after: sign)
    }

    /// Whether a text line has the focus: the prompt or negative prompt, or the model list's path line.
    var textFocused: Bool {
        overlay.mode == .models ? overlay.listSelection == models.pathRow : editor.focus.isText
    }

    /// Reduces one action of the keymap, triggered by `key`.
    mutating func reduce(_ action: StudioAction, key: Key, now: Double, after sign: EditorState.PendingSign?) -> [StudioEffect] {
        switch action {
        case .generate:
            guard commitInput() else { return [] }
            if let load = models.loading {
                message = .info("loading \(load.name)…: Enter generates once it has loaded (Esc keeps \(modelName))")
                return []
            }
            return startRun()
        case .cancel:
            return cancel()
        case .quit:
            return quit()
        case .showHelp:
            overlay.mode = .help
            return [.repaint]
        case .closeHelp, .closeList:
            return backToMain()
        case .saveFavorite, .export:
            let save = action == .saveFavorite
            if overlay.mode == .grid { return saveFromGrid(favorite: save) }
            // A step decoded with the VAE on screen is what is saved (a cancelled run's, too).
            if let step = displayedDecodedStep { return [.saveDecodedStep(run: run.id, step: step, favorite: save)] }
            if let why = run.nothingToSave(save ? "save" : "export") {
                message = .warning(why)
                return []
            }
            return [save ? .saveFavorite : .export]
        case .toggleFavorites:
            return overlay.mode == .favorites ? backToMain() : openList(.favorites)
        case .toggleHistory:
            return overlay.mode == .history ? backToMain() : openList(.history)
        case .toggleModels:
            return overlay.mode == .models ? backToMain() : openList(.models)
        case .openSelectedModel:
            return openSelectedModel()
        case .cycleTheme:
            return [.cycleTheme]
        case .redraw:
            return [.repaint]
        case .scrubBack, .scrubForward:
            run.scrub(by: action == .scrubBack ? -1 : 1, status: &message)
            return []
        case .decodeStep:
            return run.requestDecode(status: &message).map { [$0] } ?? []
        case let .edit(editorAction) where overlay.mode == .models:
            models.editPath(editorAction, key: key, status: &message)
            return []
        case let .edit(editorAction) where overlay.mode == .sweep:
            sweep.edit(editorAction, key: key)
            return []
        case .branchFromStep:
            return toggleBranch()
        case .openGrid:
            return openGrid()
        case .editSweep:
            return editSweep()
        case .startGrid:
            return startGrid()
        case .closeSweep:
            overlay.mode = grid == nil ? .main : .grid
            return [.repaint]
        case let .moveCell(dx, dy):
            moveCell(dx: dx, dy: dy)
            return []
        case .toggleCell:
            toggleCell()
            return []
        case .closeGrid:
            return closeGrid()
        case let .edit(editorAction):
            let effects = editor.reduce(editorAction, key: key, now: now, after: sign, isRunning: run.isRunning, status: &message)
            if let warning = editor.warningToPin {
                editor.warningToPin = nil
                (pinnedMessage, pinnedUntil) = (warning, now + Self.pinnedSeconds)
            }
            return effects
        case .selectPrevious, .selectNext, .selectFirst, .selectLast:
            overlay.select(action, count: listCount)
            return loadSelectedFavorite()
        case .restoreSelected:
            return restoreSelected()
        case .removeSelected:
            guard overlay.mode == .favorites, !library.favorites.isEmpty else { return [] }
            overlay.mode = .confirmDelete(overlay.listSelection)
            return [.repaint]
        case .confirmRemoval, .keepFavorite:
            guard case let .confirmDelete(index) = overlay.mode else { return [] }
            overlay.mode = .favorites
            if action == .confirmRemoval, library.favorites.indices.contains(index) {
                return [.deleteFavorite(library.favorites[index].id), .repaint]
            }
            message = .info("kept the favorite")
            return [.repaint]
        case .quitAnyway:
            library.unsavedFavoriteIDs = []
            return quit()
        case .stayOpen:
            overlay.mode = .main
            message = .info("not quitting; the unsaved favorites are in Ctrl-F")
            return [.repaint]
        }
    }

    /// Closes the help or a list.
    mutating func backToMain() -> [StudioEffect] {
        overlay.mode = .main
        return [.repaint]
    }

    /// Esc: drops a number being typed, else cancels the run (and a pending live one), else
    /// clears the status line.
    mutating func cancel() -> [StudioEffect] {
        if editor.fieldInput != nil {
            editor.fieldInput = nil
            message = .info("edit cancelled")
            return []
        }
        editor.liveDeadline = nil
        if run.isRunning { return [.cancel] }
        if models.abandonLoad(status: &message) { return [] }
        message = nil
        return []
    }

    /// Quits, or asks first while some favorites exist only in this session.
    mutating func quit() -> [StudioEffect] {
        if !library.unsavedFavoriteIDs.isEmpty {
            overlay.mode = .confirmQuit
            return [.repaint]
        }
        return (run.isRunning ? [.cancel] : []) + [.quit]
    }

    /// Starts a run with the current settings (after applying the seed mode).
    mutating func startRun() -> [StudioEffect] {
        var settings = editor.settingsForNextRun()
        var notes: [String] = []
        var priorFrames: [GenerationProgress] = []
        if let point = branchPoint {
            settings = point.settings(settings)
            priorFrames = point.frames
            notes.append("branched from \(point.name)")
        }
        stopGridForOtherRun()
        if settings.prompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            notes.append("empty prompt: generated unconditionally")
        }
        if let ignored = editor.ignoredWords.message { notes.append(ignored) }
        let note = notes.isEmpty ? nil : notes.joined(separator: "; ")
        message = note.map { .warning($0) }
        return [run.start(settings, note: note, priorFrames: priorFrames, parentNumber: branchPoint?.parentNumber)]
    }

    /// Fires the pending live re-generation when its time has come (not while a model loads:
    /// the edit then waits for Enter).
    public mutating func tick(now: Double) -> [StudioEffect] {
        if let until = pinnedUntil, now >= until { (pinnedMessage, pinnedUntil) = (nil, nil) }
        if models.loading != nil { editor.liveDeadline = nil }
        guard overlay.mode == .main, editor.takeDueLiveRun(now: now) else { return [] }
        return startRun()
    }

    // MARK: Lists

    /// Entries in the open list.
    var listCount: Int {
        switch overlay.mode {
        case .history: library.history.count
        case .models: models.rowCount
        default: library.favorites.count
        }
    }

    mutating func openList(_ list: OverlayState.Mode) -> [StudioEffect] {
        guard commitInput() else { return [] }
        if list == .models {
            overlay.mode = .models
            overlay.listSelection = models.firstChoiceRow
            if !models.canLoad { message = .info("this studio was started without a model loader: the list only shows") }
            return [.repaint]
        }
        overlay.open(list, count: list == .history ? library.history.count : library.favorites.count)
        if list == .favorites && library.favorites.isEmpty { message = .info("no favorites yet: Ctrl-S saves the current image") }
        if list == .history && library.history.isEmpty { message = .info("no generations in this session yet") }
        return [.repaint] + (list == .favorites ? loadSelectedFavorite() : [])
    }

    /// Asks for the selected favorite's PNG when it is not loaded yet.
    func loadSelectedFavorite() -> [StudioEffect] {
        guard overlay.mode == .favorites, library.favorites.indices.contains(overlay.listSelection) else { return [] }
        let entry = library.favorites[overlay.listSelection]
        return library.favoriteImages[entry.id] == nil ? [.loadFavoriteImage(entry.id)] : []
    }

    /// Enter in a list: takes over the selected entry's settings and returns to the main screen.
    mutating func restoreSelected() -> [StudioEffect] {
        let index = overlay.listSelection
        guard listCount > 0 else {
            overlay.mode = .main
            return [.repaint]
        }
        let isHistory = overlay.mode == .history
        let settings = isHistory ? library.history[index].settings : library.favorites[index].settings
        let what = isHistory ? "generation #\(library.history[index].number)"
                             : "favorite '\(DisplayWidth.truncate(settings.prompt, to: 30))'"
        let problems = editor.restore(settings)
        branchPoint = BranchPoint(restoring: settings)
        let text = "restored \(what); seed mode set to fixed so Enter makes it again"
        message = problems.isEmpty ? .info(text) : .warning(([text] + problems).joined(separator: "; "))
        editor.seedMode = .fixed
        editor.focus = .prompt
        overlay.mode = .main
        return [.repaint]
    }

    // MARK: Models

    /// Enter in the model list: starts loading the chosen model (cancelling the running
    /// generation and a pending live one) and returns to the main screen; the model in use or
    /// the one loading already only closes the list.
    mutating func openSelectedModel() -> [StudioEffect] {
        switch models.choose(row: overlay.listSelection, status: &message) {
        case .nothing:
            return []
        case .alreadyThere:
            return backToMain()
        case let .load(load):
            editor.liveDeadline = nil
            overlay.mode = .main
            guard run.isRunning else { return [.loadModel(path: load.path, id: load.id), .repaint] }
            run.cancelQuietly()  // the status line says what is loading instead
            return [.cancel, .loadModel(path: load.path, id: load.id), .repaint]
        }
    }

    /// A model has loaded: it becomes the one in use (the prompts, seed, sampler and noise stay;
    /// steps, CFG, shift and size become its defaults) when it is the load still asked for.
    mutating func modelLoaded(id: Int, path: String, generator: any ImageGenerator, seconds: Double,
                              date: Date) -> [StudioEffect] {
        guard models.loaded(id: id, path: path, generator: generator, date: date) else { return [] }  // abandoned or superseded
        editor.adopt(generator.defaultSettings, sizes: generator.supportedSizes)
        // The branch point's stored state was the old model's: the new one samples the parent again.
        branchPoint?.state = nil
        branchPoint?.frames = []
        let loaded = "loaded \(modelName) in \(String(format: "%.1f", seconds))s: \(modelSummary)"
        message = .info(loaded)
        models.announcement = loaded
        if overlay.mode == .models { overlay.clampSelection(count: models.rowCount) }
        if run.isRunning { run.cancelQuietly() }
        return (run.isRunning ? [.cancel] : []) + [.useModel(id: id),
                                                   .recordRecentModel(path: path, name: modelName, summary: modelSummary),
                                                   .repaint]
    }

    // MARK: - Events

    /// Folds in what came of an effect, or news from the worker, the layout or the model;
    /// returns what the controller must do next.
    @discardableResult
    public mutating func apply(_ event: StudioEvent, now: Double) -> [StudioEffect] {
        switch event {
        case let .worker(report):
            guard report.run == run.id else { return [] }  // a cancelled, superseded run
            var liveNote: String?
            if case let .finished(result) = report.kind {
                library.record(result, parent: run.parentNumber)
                run.historyNumber = library.history.last?.number
                if editor.runFinished(result) {
                    liveNote = "live re-generation is off for a model this slow (Ctrl-G turns it on)"
                }
            }
            run.reduce(report.kind, quiet: editor.liveDeadline != nil, liveNote: liveNote, status: &message)
            if let g = grid, g.runID == report.run { return gridReport(report.kind) }
        case let .library(libraryEvent):
            library.reduce(libraryEvent, status: &message)
            switch libraryEvent {
            case .favoriteRemoved, .favoriteRemovalFailed:
                overlay.clampSelection(count: library.favorites.count)
                return loadSelectedFavorite()
            default:
                break
            }
        case let .model(.loaded(id, path, generator, seconds, date)):
            return modelLoaded(id: id, path: path, generator: generator, seconds: seconds, date: date)
        case let .model(.loadFailed(id, path, reason)):
            if let error = models.loadFailed(id: id, path: path, reason: reason) { message = error }
        case let .model(.recentSaved(entries, warning)):
            models.recent = entries
            if overlay.mode == .models { overlay.clampSelection(count: models.rowCount) }
            if let warning { message = .warning((message.map { $0.text + "; " } ?? "") + warning) }
        case let .model(.recentNotSaved(reason)):
            message = .warning((message.map { $0.text + "; " } ?? "") + "the recent-models list was not saved: \(reason)")
        case let .stepDecoded(run: id, step, outcome):
            run.stepDecoded(run: id, step: step, outcome: outcome, status: &message)
        case let .exported(file):
            message = .info("exported → \(file)")
        case let .exportFailed(reason):
            message = .error(reason)
        case let .themeChanged(name, warning):
            themeName = name
            message = warning.map { .warning($0) } ?? .info("theme: \(name)")
        case let .layoutChanged(promptColumns, negativeColumns):
            editor.promptWidth = promptColumns
            editor.negativeWidth = negativeColumns
        case let .ignoredWordsFound(words):
            if let loaded = models.announcement {
                // The new model reads the prompt differently: say so after what was loaded.
                var note: StatusMessage?
                editor.noteIgnoredWords(words, status: &note)
                if let note { message = .warning(loaded + "; " + note.text) }
            } else {
                editor.noteIgnoredWords(words, status: &message)
            }
        }
        return []
    }
}
