import FlowCore
import Foundation
import Generation
import Imaging

/// The UI thread's loop: waits for keys or a wake-up, folds worker reports into the state,
/// handles keys, carries out effects, and presents the screen. It alone calls the terminal.
public final class StudioController {
    public private(set) var state: StudioState
    let terminal: Terminal
    /// The model new runs use (the UI thread swaps it when a load arrives; each run carries its own).
    private(set) var generator: any ImageGenerator
    let store: FavoritesStore
    let recentModels: RecentModelsStore
    let loader: ModelLoader?
    /// Models that arrived from the loader in this turn of the loop, by load id, until the
    /// state takes one (`.useModel`) or they are dropped.
    private var arrivedModels: [Int: any ImageGenerator] = [:]
    let themes: ThemeLibrary
    let mailbox: Mailbox
    let worker: GenerationWorker
    let stepDecoder: StepDecoder
    /// The newest run asked for and the model it runs with (Ctrl-D decodes its steps with that
    /// model, even after another one was loaded).
    private var newestRun: (id: Int, generator: any ImageGenerator)?
    let encoder: PreviewEncoder
    let clock: () -> Double

    private var preview: PreviewRendering?
    private var requestedPreview: String?
    private var lastCanvas: Canvas?
    private var lastOverlays: [Overlay] = []
    private var needsFullRepaint = true
    private var running = true
    /// The prompt whose ignored words were last asked for (nil: ask again, e.g. a new model).
    private var lastPromptText: String?
    /// When the last picture was written, and when a newer one (held back because the terminal
    /// is slow to take pictures) is due.
    private var lastOverlaySend = -Double.infinity
    private var overlayDue: Double?

    /// Settings the controller needs besides the generator and terminal.
    public struct Configuration {
        public var previewProtocol: PreviewProtocol
        public var theme: Theme
        public var themes: ThemeLibrary
        public var store: FavoritesStore
        public var live: Bool
        public var sixelRegisters: Int
        /// Settings to start from (`--from FILE.png`).
        public var initialSettings: GenerationSettings?
        /// Shown in the status line at start (e.g. why a model or theme could not load).
        public var startupMessages: [StatusMessage]
        public var seed: UInt64
        /// Where the starting model came from (recorded in the recent list); nil when it cannot
        /// be loaded again (the untrained stand-in).
        public var modelPath: String?
        /// Makes a model from a path (a file or folder) for the model list; nil: the list only
        /// shows. It runs on a background thread.
        public var loadModel: (@Sendable (String) throws -> any ImageGenerator)?
        /// The recent-models list (`models.json`); by default beside the favorites.
        public var recentModels: RecentModelsStore?

        public init(previewProtocol: PreviewProtocol, theme: Theme = .builtIn, themes: ThemeLibrary = ThemeLibrary(directories: []),
                    store: FavoritesStore, live: Bool = true, sixelRegisters: Int = 256,
                    initialSettings: GenerationSettings? = nil, startupMessages: [StatusMessage] = [],
                    seed: UInt64 = UInt64(Date().timeIntervalSince1970 * 1000), modelPath: String? = nil,
                    loadModel: (@Sendable (String) throws -> any ImageGenerator)? = nil, recentModels: RecentModelsStore? = nil) {
            self.previewProtocol = previewProtocol
            self.theme = theme
            self.themes = themes
            self.store = store
            self.live = live
            self.sixelRegisters = sixelRegisters
            self.initialSettings = initialSettings
            self.startupMessages = startupMessages
            self.seed = seed
            self.modelPath = modelPath
            self.loadModel = loadModel
            self.recentModels = recentModels
        }
    }

    public init(terminal: Terminal, generator: any ImageGenerator, configuration c: Configuration,
                clock: @escaping () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }) {
        self.terminal = terminal
        self.generator = generator
        self.store = c.store
        self.themes = c.themes
        self.clock = clock
        let mailbox = Mailbox(wake: { [weak terminal] in terminal?.wake() })
        self.mailbox = mailbox
        worker = GenerationWorker(mailbox: mailbox)
        stepDecoder = StepDecoder(mailbox: mailbox)
        loader = c.loadModel.map { ModelLoader(load: $0, mailbox: mailbox) }
        encoder = PreviewEncoder(mailbox: mailbox, sixel: SixelEncoder.fitted(maxRegisters: c.sixelRegisters))
        let (favorites, favoritesWarning) = c.store.load()
        // The starting model goes to the top of the recent list (a list that cannot be written is
        // already said: the data folder's problem is a startup message).
        let recentStore = c.recentModels ?? RecentModelsStore(directory: c.store.directory)
        recentModels = recentStore
        let (loaded, recentWarning) = recentStore.load()
        var recent = loaded
        if let path = c.modelPath {
            if let (entries, _) = try? recentStore.record(path: path, name: generator.modelName, summary: generator.modelSummary) {
                recent = entries
            } else {
                recent = [RecentModel(path: path, name: generator.modelName, summary: generator.modelSummary, lastUsed: Date())]
                    + recent.filter { $0.path != path }
            }
        }
        state = StudioState(generator: generator, live: c.live, seedSource: SeedSource(seed: c.seed),
                            previewProtocol: c.previewProtocol, themeName: c.theme.name, initialSettings: c.initialSettings,
                            favorites: favorites, favoritesWarning: favoritesWarning,
                            startupMessages: c.startupMessages + (recentWarning.map { [.warning($0)] } ?? []),
                            modelPath: c.modelPath, recentModels: recent, canLoadModels: c.loadModel != nil)
        terminal.setTheme(c.theme)
        refreshIgnoredWords()
    }

    /// Runs until the user quits. Returns after the worker was told to stop.
    public func run() {
        worker.launch()
        stepDecoder.launch()
        loader?.launch()
        encoder.launch()
        draw()
        while running {
            let now = clock()
            var timeout = 0.5
            if let deadline = state.editor.liveDeadline { timeout = min(timeout, max(0, deadline - now)) }
            if let due = overlayDue { timeout = min(timeout, max(0, due - now)) }
            if let until = state.pinnedUntil { timeout = min(timeout, max(0, until - now)) }
            let keys = terminal.readKeys(timeout: timeout)
            step(keys: keys)
        }
        worker.stop()
        stepDecoder.stop()
        loader?.stop()
        encoder.stop()
        workerEnded = worker.join(timeout: 5)
        // A VAE decode cannot be interrupted either: one in progress is not waited for.
        if !stepDecoder.join(timeout: 0.5) { workerEnded = false }
        // A load cannot be interrupted: one in progress (a large checkpoint) is not waited for.
        if let loader, !loader.join(timeout: 0.5) { workerEnded = false }
    }

    /// False when the generation thread was still inside a (very slow) step, or a model was
    /// still loading, or a step still decoding with the VAE, when `run()` returned; the caller should then end the process without
    /// running exit handlers.
    public private(set) var workerEnded = true

    /// One turn of the loop: reports, keys, timers, drawing. Exposed for tests that drive the
    /// controller without its thread.
    func step(keys: [Key]) {
        let now = clock()
        drainMailbox(now: now)
        for key in keys where running {
            if key == .resize {
                needsFullRepaint = true
                preview = nil
                requestedPreview = nil
            }
            carryOut(state.handle(key, now: now))
        }
        if running { carryOut(state.tick(now: clock())) }
        refreshIgnoredWords()
        if running { draw() }
    }

    func drainMailbox(now: Double) {
        let (events, rendering) = mailbox.take()
        for event in events {
            if case let .model(.loaded(id, _, generator, _, _)) = event { arrivedModels[id] = generator }
            carryOut(state.apply(event, now: now))
        }
        arrivedModels = [:]  // the ones the state did not take (abandoned or superseded loads)
        if let rendering { preview = rendering }
    }

    func refreshIgnoredWords() {
        let text = state.editor.prompt.text
        guard text != lastPromptText else { return }  // (nil after a model switch: always asked)
        lastPromptText = text
        carryOut(state.apply(.ignoredWordsFound(generator.ignoredWords(in: text)), now: clock()))
    }

    // MARK: Effects

    /// Carries out `effects` in order, and those that the state asks for in answer to what came
    /// of them (a queue: no effect is carried out inside another).
    func carryOut(_ effects: [StudioEffect]) {
        var queue = effects[...]
        while let effect = queue.popFirst() {
            if let event = outcome(of: effect) {
                queue += state.apply(event, now: clock())
            }
        }
    }

    /// Does what `effect` says; returns what came of it for the state, if anything.
    func outcome(of effect: StudioEffect) -> StudioEvent? {
        switch effect {
        case let .generate(settings, run):
            // A branch continues from the stored state of its branch point (the same numbers a
            // replay computes again); any other branch (one restored from the history) replays.
            var resume: Tensor?
            if let point = state.branchPoint, settings.isBranch, settings.branchStep == point.step,
               settings.branchParent.map({ $0.seed == point.parent.seed && $0.steps == point.parent.steps }) == true {
                resume = point.state
            }
            worker.start(settings, run: run, generator: generator, resume: resume)
            newestRun = (run, generator)
            stepDecoder.cancel()  // a waiting decode of the previous run would be dropped anyway
        case let .decodeStep(run, step):
            guard let newestRun, newestRun.id == run, run == state.run.id, state.run.frames.indices.contains(step),
                  let latents = state.run.frames[step].predictedLatents else { return nil }
            stepDecoder.decode(latents, run: run, step: step, generator: newestRun.generator)
        case let .loadModel(path, id):
            loader?.load(path, id: id)
        case let .useModel(id):
            guard let arrived = arrivedModels.removeValue(forKey: id) else { return nil }
            generator = arrived  // runs started from now on use it; a running one keeps the old one until it stops
            lastPromptText = nil
        case let .recordRecentModel(path, name, summary):
            do {
                let (entries, warning) = try recentModels.record(path: path, name: name, summary: summary)
                return .model(.recentSaved(entries: entries, warning: warning))
            } catch {
                return .model(.recentNotSaved(reason: "\(error)"))
            }
        case .cancel:
            worker.cancel()
        case .saveFavorite:
            return saveFavorite()
        case .export:
            return export()
        case let .saveDecodedStep(run, step, favorite):
            guard run == state.run.id, let image = state.run.decodedFrames[step], let settings = state.run.settings else { return nil }
            let result = GenerationResult(image: image, settings: settings, seconds: 0)
            // The model that made the run names the image, even after another one was loaded.
            let model = newestRun?.id == run ? newestRun?.generator : nil
            return favorite ? saveFavorite(result, decodedStep: step + 1, by: model) : export(result, decodedStep: step + 1, by: model)
        case let .deleteFavorite(id):
            return deleteFavorite(id)
        case let .loadFavoriteImage(id):
            guard let entry = state.library.favorites.first(where: { $0.id == id }) else { return nil }
            if let image = store.image(of: entry) { return .library(.favoriteImageLoaded(id: id, image: image)) }
            return .library(.favoriteImageUnreadable(id: id, path: entry.imagePath))
        case .cycleTheme:
            let names = themes.names()
            let i = names.firstIndex(of: state.themeName) ?? -1
            let (theme, warning) = themes.load(names[(i + 1) % names.count])
            terminal.setTheme(theme)
            needsFullRepaint = true
            return .themeChanged(name: theme.name, warning: warning)
        case let .saveGridCell(index):
            guard let grid = state.grid, grid.cells.indices.contains(index), let image = grid.images[index] else { return nil }
            return saveFavorite(GenerationResult(image: image, settings: grid.cells[index], seconds: 0))
        case .saveGridSheet:
            guard let grid = state.grid else { return nil }
            do {
                let path = try store.writeImage(grid.makeSheet(highlight: false), settings: grid.base, modelName: generator.modelName,
                                                modelHash: generator.modelHash, folder: "outputs",
                                                extraFields: [.init(Sweep.fieldKey, grid.sweep.fieldValue)])
                return .exported(file: store.directory.appendingPathComponent(path).path)
            } catch {
                return .exportFailed(reason: "\(error)")
            }
        case .repaint:
            needsFullRepaint = true
        case .quit:
            worker.stop()
            running = false
        }
        return nil
    }

    /// Saves the newest finished image, or `result` (a step decoded with the VAE: `decodedStep`
    /// counted from 1), as a favorite.
    func saveFavorite(_ result: GenerationResult? = nil, decodedStep: Int? = nil, by model: (any ImageGenerator)? = nil) -> StudioEvent? {
        guard let result = result ?? state.run.result else { return nil }
        let library = state.library, seedMode = state.editor.seedMode
        let generator = model ?? generator
        do {
            let (entries, warning) = try store.addFavorite(result, seedMode: seedMode, modelName: generator.modelName,
                                                           modelHash: generator.modelHash, to: library.favorites,
                                                           unsaved: library.unsavedFavoriteIDs, removed: library.unsavedRemovalIDs,
                                                           decodedStep: decodedStep, precision: generator.precisionSummary)
            let file = store.directory.appendingPathComponent(entries.last?.imagePath ?? "").path
            return .library(.favoriteSaved(entries: entries, file: file, warning: warning))
        } catch {
            let entry = FavoriteEntry(settings: result.settings, seedMode: seedMode, modelName: generator.modelName,
                                      modelHash: generator.modelHash, imagePath: nil, decodedStep: decodedStep)
            return .library(.favoriteFailed(entry, image: result.image, reason: "\(error)"))
        }
    }

    func deleteFavorite(_ id: String) -> StudioEvent {
        let library = state.library
        do {
            let (entries, warning) = try store.removeFavorite(id: id, from: library.favorites, unsaved: library.unsavedFavoriteIDs,
                                                              removed: library.unsavedRemovalIDs)
            return .library(.favoriteRemoved(id: id, entries: entries, folder: "\(store.directory.path)/favorites", warning: warning))
        } catch {
            return .library(.favoriteRemovalFailed(id: id, reason: "\(error)"))
        }
    }

    /// Writes the newest finished image, or `result` (a decoded step), to the outputs folder.
    func export(_ result: GenerationResult? = nil, decodedStep: Int? = nil, by model: (any ImageGenerator)? = nil) -> StudioEvent? {
        guard let result = result ?? state.run.result else { return nil }
        let generator = model ?? generator
        do {
            let path = try store.writeImage(result.image, settings: result.settings, modelName: generator.modelName,
                                            modelHash: generator.modelHash, folder: "outputs", decodedStep: decodedStep,
                                            precision: generator.precisionSummary)
            return .exported(file: store.directory.appendingPathComponent(path).path)
        } catch {
            return .exportFailed(reason: "\(error)")
        }
    }

    // MARK: Drawing

    func draw() {
        let size = terminal.size
        let layout = Layout(rows: size.rows, columns: size.columns)
        let promptColumns = max(2, layout.promptText.columns), negativeColumns = max(2, layout.negativeText.columns)
        if promptColumns != state.editor.promptWidth || negativeColumns != state.editor.negativeWidth {
            carryOut(state.apply(.layoutChanged(promptColumns: promptColumns, negativeColumns: negativeColumns), now: clock()))
        }

        // Ask the encoder for the picture at this size when what is shown has changed.
        var shown: TerminalImage.Rendered?
        var shownKey: String?
        if !layout.tooSmall, state.overlay.mode != .help, let displayed = state.displayedImage {
            let cell = terminal.cellPixels
            let request = PreviewRequest(key: displayed.key, image: displayed.image, previewProtocol: state.previewProtocol,
                                         columns: layout.image.columns, rows: layout.image.rows,
                                         cellWidth: cell.width, cellHeight: cell.height)
            if preview?.request.identity == request.identity {
                shown = preview?.rendered
                shownKey = displayed.key
            } else {
                if requestedPreview != request.identity {
                    requestedPreview = request.identity
                    encoder.submit(request)
                }
                // Until the new picture is encoded, keep the previous one if it has the same box.
                if let old = preview, old.request.columns == request.columns, old.request.rows == request.rows,
                   old.request.previewProtocol == request.previewProtocol {
                    shown = old.rendered
                    shownKey = old.request.key
                }
            }
        }
        let (canvas, overlayRect) = StudioView.render(state, layout: layout, preview: shown)
        var overlays: [Overlay] = []
        if let rect = overlayRect, let shown, let key = shownKey, let payload = Overlay.Payload(shown.payload) {
            overlays = [Overlay(key: key, rect: rect, payload: payload)]
        }
        // An overlay that moved, changed size or went away leaves pixels curses does not know
        // about: clear the screen and draw everything again.
        let oldRects = lastOverlays.map(\.rect), newRects = overlays.map(\.rect)
        if !lastOverlays.isEmpty && oldRects != newRects { needsFullRepaint = true }
        let overlaysChanged = overlays != lastOverlays
        let repaint = needsFullRepaint
        // A new picture in the same place on a terminal that takes a while to draw pictures
        // (sixel in xterm: ~20 ms for 576×576) waits, so that writing pictures never takes more
        // than half the UI thread's time; the newest one is sent when it is due.
        let now = clock()
        let due = lastOverlaySend + 2 * terminal.overlayWriteSeconds
        if overlaysChanged && !repaint && !lastOverlays.isEmpty && oldRects == newRects && now < due {
            overlayDue = due
            if canvas != lastCanvas {
                terminal.present(canvas, overlays: lastOverlays, fullRepaint: false, resendOverlays: false)
                lastCanvas = canvas
            }
            return
        }
        overlayDue = nil
        guard repaint || overlaysChanged || canvas != lastCanvas else { return }
        terminal.present(canvas, overlays: overlays, fullRepaint: repaint, resendOverlays: overlaysChanged || repaint)
        if (overlaysChanged || repaint) && !overlays.isEmpty { lastOverlaySend = clock() }
        lastCanvas = canvas
        lastOverlays = overlays
        needsFullRepaint = false
    }
}
