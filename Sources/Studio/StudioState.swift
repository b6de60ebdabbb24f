import Foundation
import Generation
import Imaging
import RectifiedFlow

/// The studio's whole screen state as plain values: the prompt editors, the settings, the
/// focus, the run's progress and stored steps, history, favorites and the status line.
///
/// It does no I/O. `handle(_:now:)` turns a key into state changes plus `StudioEffect`s that
/// the controller carries out (start or cancel a run, write a favorite, quit…); `apply(_:now:)`
/// folds in what the worker reports; `tick(now:)` fires the live re-generation once typing
/// pauses. Time comes in as a parameter, so tests drive it without clocks.
public struct StudioState: Sendable {
    // MARK: Model
    public var modelName: String
    public var modelSummary: String
    public var modelHash: String
    public var supportedSizes: [Size]

    // MARK: What is being edited
    public var prompt: PromptEditor
    public var negative: PromptEditor
    public var steps: Int
    public var cfgScale: Float
    public var seed: UInt64
    public var seedMode: SeedMode = .fixed
    public var shift: Double
    public var sampler: SamplerKind
    public var sizeIndex: Int
    public var previewSource: PreviewSource = .predicted
    /// Re-generate automatically when typing pauses.
    public var live: Bool
    public var focus: StudioField = .prompt
    /// Text typed into a numeric field, not yet accepted.
    public var fieldInput: String?
    /// Columns of the prompt editors (set from the layout; Home/End/Up/Down wrap to it).
    public var promptWidth = 40
    public var negativeWidth = 40

    // MARK: Screen
    public var mode: Mode = .main
    public var message: StatusMessage?
    /// Startup notices (model, theme, data folder problems), shown in full in the empty
    /// preview pane until the first image arrives.
    public var notices: [StatusMessage] = []
    /// Words of the prompt the model does not know (refreshed by the controller as you type).
    public var unknownWords: [String] = []
    public var previewProtocol: PreviewProtocol = .truecolor
    public var themeName = "default"

    // MARK: Runs
    public var runPhase: RunPhase = .idle
    /// Id of the newest run asked for (events of older runs are ignored).
    public var runID = 0
    /// The settings of the newest run.
    public var runSettings: GenerationSettings?
    /// Every step of the newest run, in order.
    public var frames: [GenerationProgress] = []
    /// Position when scrubbing: an index into `frames`; nil shows the newest step (or the result).
    public var scrubIndex: Int?
    /// The newest finished image.
    public var result: GenerationResult?
    /// Shown after `done` (unknown words, empty prompt).
    public var runNote: String?
    public var history: [HistoryEntry] = []
    public var favorites: [FavoriteEntry] = []
    /// PNGs of favorites, loaded on demand by the controller.
    public var favoriteImages: [String: RGBImage] = [:]
    public var listSelection = 0
    /// When the live re-generation fires (seconds on the caller's clock), if one is pending.
    public var liveDeadline: Double?
    /// Pause after the last edit before a live run starts.
    public var livePause = 0.35
    /// Live re-generation turns itself off after a run slower than this (seconds): it is on by
    /// default only for models fast enough to keep up with typing.
    public var liveMaxSeconds = 4.0
    /// Source of random seeds (Ctrl-R, seed mode random).
    public var seedSource: SeedSource

    /// A width × height pair.
    public struct Size: Equatable, Sendable {
        public var width: Int
        public var height: Int
        public init(width: Int, height: Int) {
            self.width = width
            self.height = height
        }
        public var description: String { "\(width)×\(height)" }
    }

    /// What fills the screen.
    public enum Mode: Equatable, Sendable {
        case main
        case help
        case history
        case favorites
        /// Asking whether to delete the favorite at this index.
        case confirmDelete(Int)
    }

    /// Where the newest run is.
    public enum RunPhase: Equatable, Sendable {
        case idle, running, finished, cancelled, failed
    }

    public init(generator: some ImageGenerator, live: Bool = true, seedSource: SeedSource = SeedSource(seed: 0x5EED)) {
        modelName = generator.modelName
        modelSummary = generator.modelSummary
        modelHash = generator.modelHash
        supportedSizes = generator.supportedSizes.map { Size(width: $0.width, height: $0.height) }
        if supportedSizes.isEmpty { supportedSizes = [Size(width: 64, height: 64)] }
        let d = generator.defaultSettings
        prompt = PromptEditor(d.prompt)
        negative = PromptEditor(d.negativePrompt)
        steps = d.steps
        cfgScale = d.cfgScale
        seed = d.seed
        shift = d.shift
        sampler = d.sampler
        sizeIndex = supportedSizes.firstIndex { $0.width == d.width && $0.height == d.height } ?? 0
        self.live = live
        self.seedSource = seedSource
    }

    /// The settings as they stand (what Enter would generate, before the seed mode applies).
    public var settings: GenerationSettings {
        let size = supportedSizes[sizeIndex]
        return GenerationSettings(prompt: prompt.text, negativePrompt: negative.text, steps: steps, cfgScale: cfgScale,
                                  seed: seed, shift: shift, sampler: sampler, width: size.width, height: size.height)
    }

    public var isRunning: Bool { runPhase == .running }

    /// Sets every setting from `s`; a size the model cannot make is refused with a message
    /// (the rest is still applied). Returns false in that case.
    @discardableResult
    public mutating func restore(_ s: GenerationSettings) -> Bool {
        prompt.setText(s.prompt)
        negative.setText(s.negativePrompt)
        steps = min(max(s.steps, FieldLimits.steps.lowerBound), FieldLimits.steps.upperBound)
        cfgScale = s.cfgScale
        seed = s.seed
        shift = s.shift
        sampler = s.sampler
        fieldInput = nil
        if let i = supportedSizes.firstIndex(where: { $0.width == s.width && $0.height == s.height }) {
            sizeIndex = i
            return true
        }
        message = .warning("this model cannot make \(s.width)×\(s.height); kept \(supportedSizes[sizeIndex].description)")
        return false
    }

    // MARK: - Keys

    /// Handles one key at time `now` (seconds); returns what the controller must do.
    public mutating func handle(_ key: Key, now: Double) -> [StudioEffect] {
        switch mode {
        case .help:
            if key == .resize { return [] }
            if key == .control("q") || key == .function(10) || key == .control("c") { return quit() }
            mode = .main
            return [.repaint]
        case .history, .favorites:
            return handleList(key)
        case let .confirmDelete(index):
            if key == .resize { return [] }
            mode = .favorites
            if key == .character("y") || key == .character("Y"), favorites.indices.contains(index) {
                return [.deleteFavorite(favorites[index].id), .repaint]
            }
            message = .info("kept the favorite")
            return [.repaint]
        case .main:
            return handleMain(key, now: now)
        }
    }

    mutating func quit() -> [StudioEffect] {
        var effects: [StudioEffect] = []
        if isRunning { effects.append(.cancel) }
        effects.append(.quit)
        return effects
    }

    mutating func handleMain(_ key: Key, now: Double) -> [StudioEffect] {
        switch key {
        case .resize:
            return []
        case .function(1):
            mode = .help
            return [.repaint]
        case .control("q"), .function(10), .control("c"):
            return quit()
        case .control("s"):
            guard result != nil else {
                message = .warning("nothing to save yet: press Enter to generate an image first")
                return []
            }
            return [.saveFavorite]
        case .control("e"):
            guard result != nil else {
                message = .warning("nothing to export yet: press Enter to generate an image first")
                return []
            }
            return [.export]
        case .control("f"), .function(3):
            return openList(.favorites)
        case .control("p"), .function(2):
            return openList(.history)
        case .control("t"):
            return [.cycleTheme]
        case .control("l"):
            return [.repaint]
        case .control("g"):
            live.toggle()
            liveDeadline = nil
            message = .info(live ? "live re-generation on: edits start a new run after a short pause"
                                 : "live re-generation off: press Enter to generate")
            return []
        case .control("r"):
            guard commitInput() else { return [] }
            seed = seedSource.next()
            message = .info("new random seed \(seed)")
            return edited(now: now)
        case .enter:
            guard commitInput() else { return [] }
            return startRun()
        case .escape:
            if fieldInput != nil {
                fieldInput = nil
                message = .info("edit cancelled")
                return []
            }
            if isRunning {
                liveDeadline = nil
                return [.cancel]
            }
            liveDeadline = nil
            message = nil
            return []
        case .tab, .backTab:
            guard commitInput() else { return [] }
            let all = StudioField.allCases
            let i = all.firstIndex(of: focus)!
            focus = all[(i + (key == .tab ? 1 : all.count - 1)) % all.count]
            return []
        case .shiftLeft:
            return scrub(by: -1)
        case .shiftRight:
            return scrub(by: 1)
        default:
            break
        }
        if focus.isText { return handleText(key, now: now) }
        return handleSetting(key, now: now)
    }

    // MARK: Text fields

    mutating func handleText(_ key: Key, now: Double) -> [StudioEffect] {
        let isPrompt = focus == .prompt
        var editor = isPrompt ? prompt : negative
        let width = isPrompt ? promptWidth : negativeWidth
        let before = editor.characters
        switch key {
        case let .character(c):
            editor.insert(String(c), allowNewlines: isPrompt)
        case let .paste(text):
            if !editor.insert(text, allowNewlines: isPrompt) {
                message = .warning("the pasted text was cut at \(editor.maxLength) characters")
            }
        case .backspace: editor.backspace()
        case .delete: editor.deleteForward()
        case .control("w"), .altBackspace: editor.deleteWordBackward()
        case .alt("d"): editor.deleteWordForward()
        case .control("u"): editor.deleteToLineStart()
        case .control("k"): editor.deleteToLineEnd()
        case .left: editor.moveLeft()
        case .right: editor.moveRight()
        case .wordLeft, .alt("b"): editor.moveWordLeft()
        case .wordRight, .alt("f"): editor.moveWordRight()
        case .home, .control("a"): editor.moveToLineStart(width: width)
        case .end: editor.moveToLineEnd(width: width)
        case .pageUp: editor.moveToStart()
        case .pageDown: editor.moveToEnd()
        case .up:
            if !editor.moveVertically(by: -1, width: width) && !isPrompt { focus = .prompt }
        case .down:
            if !editor.moveVertically(by: 1, width: width) { focus = isPrompt ? .negative : .steps }
        case .alt("\n"), .alt("\r"):
            editor.insert("\n", allowNewlines: isPrompt)
        default:
            return []
        }
        if isPrompt { prompt = editor } else { negative = editor }
        return editor.characters == before ? [] : edited(now: now)
    }

    // MARK: Settings fields

    mutating func handleSetting(_ key: Key, now: Double) -> [StudioEffect] {
        switch key {
        case .left:
            return scrub(by: -1)
        case .right:
            return scrub(by: 1)
        case .up, .character("+"), .character("="):
            guard commitInput() else { return [] }
            return adjust(by: 1, now: now)
        case .down, .character("-"), .character("_"):
            guard commitInput() else { return [] }
            return adjust(by: -1, now: now)
        case .character(" ") where !focus.isNumeric:
            return adjust(by: 1, now: now)
        case let .character(c) where focus.isNumeric:
            guard c.isNumber || c == "." || c == "e" || c == "E" else {
                message = .error("\(focus.label) takes a number; '\(c)' is not part of one")
                return []
            }
            fieldInput = (fieldInput ?? "") + String(c)
            return []
        case let .paste(text) where focus.isNumeric:
            fieldInput = (fieldInput ?? "") + text.trimmingCharacters(in: .whitespacesAndNewlines)
            return []
        case .backspace where focus.isNumeric:
            var input = fieldInput ?? value(of: focus)
            if !input.isEmpty { input.removeLast() }
            fieldInput = input
            return []
        case .character:
            message = .info("use + / − or ↑ / ↓ to change \(focus.label.lowercased())")
            return []
        default:
            return []
        }
    }

    /// Accepts the typed value of the focused field, or refuses it with the reason (the text
    /// stays for correcting). True when nothing was pending or the value was accepted.
    public mutating func commitInput() -> Bool {
        guard let input = fieldInput else { return true }
        do {
            let old = settings
            switch focus {
            case .steps: steps = try FieldLimits.parseSteps(input)
            case .cfg: cfgScale = try FieldLimits.parseCFG(input)
            case .seed: seed = try FieldLimits.parseSeed(input)
            case .shift: shift = try FieldLimits.parseShift(input)
            default: break
            }
            fieldInput = nil
            if settings != old { message = nil }
            return true
        } catch {
            message = .error(error.reason)
            return false
        }
    }

    /// One step up (+1) or down (−1) of the focused setting.
    mutating func adjust(by direction: Int, now: Double) -> [StudioEffect] {
        let d = direction
        switch focus {
        case .steps:
            steps = min(max(steps + d, FieldLimits.steps.lowerBound), FieldLimits.steps.upperBound)
        case .cfg:
            cfgScale = min(max(cfgScale + 0.5 * Float(d), FieldLimits.cfg.lowerBound), FieldLimits.cfg.upperBound)
        case .seed:
            seed = d > 0 ? seed &+ 1 : seed &- 1
        case .shift:
            let step = shift < 1 || (shift == 1 && d < 0) ? 0.05 : 0.25
            shift = min(max(((shift + step * Double(d)) * 100).rounded() / 100, FieldLimits.shift.lowerBound), FieldLimits.shift.upperBound)
        case .seedMode:
            seedMode = Self.cycle(seedMode, d)
            return []
        case .sampler:
            sampler = Self.cycle(sampler, d)
        case .size:
            sizeIndex = (sizeIndex + d + supportedSizes.count) % supportedSizes.count
        case .preview:
            previewSource = Self.cycle(previewSource, d)
            return []
        case .live:
            live.toggle()
            liveDeadline = nil
            return []
        case .prompt, .negative:
            return []
        }
        return edited(now: now)
    }

    static func cycle<T: CaseIterable & Equatable>(_ value: T, _ d: Int) -> T where T.AllCases == [T] {
        let all = T.allCases
        let i = all.firstIndex(of: value)!
        return all[(i + d + all.count) % all.count]
    }

    /// The text a field shows.
    public func value(of field: StudioField) -> String {
        switch field {
        case .prompt: prompt.text
        case .negative: negative.text
        case .steps: "\(steps)"
        case .cfg: FieldLimits.format(Double(cfgScale))
        case .seed: "\(seed)"
        case .seedMode: seedMode.rawValue
        case .shift: FieldLimits.format(shift)
        case .sampler: sampler == .euler ? "Euler" : "Heun"
        case .size: supportedSizes[sizeIndex].description
        case .preview: previewSource == .predicted ? "predicted x̂0" : "noisy x_t"
        case .live: live ? "on" : "off"
        }
    }

    /// A setting or prompt changed: with live re-generation on, a running run is cancelled now
    /// and a new one starts after `livePause`.
    mutating func edited(now: Double) -> [StudioEffect] {
        guard live else { return [] }
        liveDeadline = now + livePause
        return isRunning ? [.cancel] : []
    }

    /// Fires the pending live re-generation when its time has come.
    public mutating func tick(now: Double) -> [StudioEffect] {
        guard let deadline = liveDeadline, now >= deadline, mode == .main else { return [] }
        liveDeadline = nil
        guard fieldInput == nil else { return [] }
        return startRun()
    }

    /// Starts a run with the current settings (after applying the seed mode).
    mutating func startRun() -> [StudioEffect] {
        liveDeadline = nil
        if seedMode == .random { seed = seedSource.next() }
        let s = settings
        runID += 1
        runSettings = s
        runPhase = .running
        frames = []
        scrubIndex = nil
        var notes: [String] = []
        if s.prompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            notes.append("empty prompt: generated unconditionally")
        }
        if !unknownWords.isEmpty { notes.append(Self.unknownWordsMessage(unknownWords)) }
        runNote = notes.isEmpty ? nil : notes.joined(separator: "; ")
        message = runNote.map { .warning($0) }
        return [.generate(s, run: runID)]
    }

    /// "word 'dog' is not in this model's vocabulary" (or the plural).
    public static func unknownWordsMessage(_ words: [String]) -> String {
        let quoted = words.prefix(5).map { "'\($0)'" }.joined(separator: ", ") + (words.count > 5 ? ", …" : "")
        return words.count == 1 ? "word \(quoted) is not in this model's vocabulary"
                                : "words \(quoted) are not in this model's vocabulary"
    }

    /// Sets the unknown words of the prompt and says so in the status line.
    public mutating func setUnknownWords(_ words: [String]) {
        guard words != unknownWords else { return }
        unknownWords = words
        if !words.isEmpty {
            message = .warning(Self.unknownWordsMessage(words))
        } else if case .warning(let text)? = message, text.contains("vocabulary") {
            message = nil
        }
    }

    // MARK: Scrubbing

    /// Moves through the stored steps of the last run (not while one is running).
    mutating func scrub(by delta: Int) -> [StudioEffect] {
        guard !isRunning, !frames.isEmpty else {
            if isRunning { message = .info("wait for the run to finish (or Esc) to scrub through its steps") }
            return []
        }
        let last = result != nil && result?.settings == runSettings ? frames.count : frames.count - 1
        let current = scrubIndex ?? last
        let next = min(max(current + delta, 0), last)
        scrubIndex = next == last && result != nil ? nil : next
        return []
    }

    // MARK: Lists

    mutating func openList(_ list: Mode) -> [StudioEffect] {
        guard commitInput() else { return [] }
        mode = list
        listSelection = list == .history ? max(0, history.count - 1) : 0
        if list == .favorites && favorites.isEmpty { message = .info("no favorites yet: Ctrl-S saves the current image") }
        if list == .history && history.isEmpty { message = .info("no generations in this session yet") }
        return [.repaint] + (list == .favorites ? loadSelectedFavorite() : [])
    }

    func loadSelectedFavorite() -> [StudioEffect] {
        guard mode == .favorites, favorites.indices.contains(listSelection) else { return [] }
        let entry = favorites[listSelection]
        return favoriteImages[entry.id] == nil ? [.loadFavoriteImage(entry.id)] : []
    }

    mutating func handleList(_ key: Key) -> [StudioEffect] {
        let count = mode == .history ? history.count : favorites.count
        switch key {
        case .escape, .character("q"), .function(1):
            mode = .main
            return [.repaint]
        case .control("q"), .function(10), .control("c"):
            return quit()
        case .control("f"), .function(3):
            return mode == .favorites ? closeList() : openList(.favorites)
        case .control("p"), .function(2):
            return mode == .history ? closeList() : openList(.history)
        case .up, .character("k"):
            listSelection = max(0, listSelection - 1)
        case .down, .character("j"):
            listSelection = min(max(0, count - 1), listSelection + 1)
        case .pageUp, .home:
            listSelection = 0
        case .pageDown, .end:
            listSelection = max(0, count - 1)
        case .enter:
            guard count > 0 else { return closeList() }
            if mode == .history {
                let entry = history[listSelection]
                restore(entry.settings)
                message = .info("restored generation #\(entry.number); seed mode set to fixed so Enter makes it again")
            } else {
                let entry = favorites[listSelection]
                restore(entry.settings)
                message = .info("restored favorite '\(DisplayWidth.truncate(entry.settings.prompt, to: 30))'; seed mode set to fixed so Enter makes it again")
            }
            seedMode = .fixed
            mode = .main
            focus = .prompt
            return [.repaint]
        case .delete, .backspace:
            guard mode == .favorites, count > 0 else { return [] }
            mode = .confirmDelete(listSelection)
            return [.repaint]
        default:
            return []
        }
        return loadSelectedFavorite()
    }

    mutating func closeList() -> [StudioEffect] {
        mode = .main
        return [.repaint]
    }

    // MARK: - Worker reports

    /// Folds a worker report into the state.
    public mutating func apply(_ event: WorkerEvent, now: Double) {
        guard event.run == runID else { return }  // a cancelled, superseded run
        switch event.kind {
        case let .step(progress):
            frames.append(progress)
        case let .finished(result):
            self.result = result
            runPhase = .finished
            scrubIndex = nil
            history.append(HistoryEntry(number: (history.last?.number ?? 0) + 1, settings: result.settings,
                                        image: result.image, seconds: result.seconds, created: Date()))
            if seedMode == .increment { seed = result.settings.seed &+ 1 }
            var text = String(format: "done in %.2fs", result.seconds)
            text += " (\(result.settings.steps) steps, seed \(result.settings.seed))"
            if let note = runNote { text += "; " + note }
            if live && result.seconds > liveMaxSeconds {
                live = false
                text += "; live re-generation is off for a model this slow (Ctrl-G turns it on)"
            }
            message = .done(text)
        case let .cancelled(stepsDone):
            runPhase = .cancelled
            if liveDeadline == nil { message = .info("cancelled after \(stepsDone) of \(runSettings?.steps ?? 0) steps") }
        case let .failed(why):
            runPhase = .failed
            message = .error("generation failed: \(why)")
        }
    }

    /// The image the preview pane should show now, with a key that changes whenever the picture does.
    public var displayedImage: (key: String, image: RGBImage)? {
        switch mode {
        case .history:
            guard history.indices.contains(listSelection) else { return nil }
            return ("history-\(history[listSelection].number)", history[listSelection].image)
        case .favorites, .confirmDelete:
            guard favorites.indices.contains(listSelection),
                  let image = favoriteImages[favorites[listSelection].id] else { return nil }
            return ("favorite-\(favorites[listSelection].id)", image)
        case .main, .help:
            if let i = scrubIndex, frames.indices.contains(i) {
                return ("run\(runID)-step\(i)-\(previewSource.rawValue)", frames[i].image(previewSource))
            }
            if runPhase == .finished, let result, result.settings == runSettings {
                return ("run\(runID)-final", result.image)
            }
            if let last = frames.last {
                return ("run\(runID)-step\(frames.count - 1)-\(previewSource.rawValue)", last.image(previewSource))
            }
            if let result { return ("result-\(result.settings.seed)-\(result.seconds)", result.image) }
            return nil
        }
    }
}

/// What the controller does after a key: the state model itself does no I/O.
public enum StudioEffect: Equatable, Sendable {
    /// Start run `run` with these settings (cancelling any running one).
    case generate(GenerationSettings, run: Int)
    /// Cancel the running generation.
    case cancel
    case saveFavorite
    case export
    case deleteFavorite(String)
    case loadFavoriteImage(String)
    case cycleTheme
    /// Clear and redraw the whole screen (and re-send the image).
    case repaint
    case quit
}

/// The status line's message.
public enum StatusMessage: Equatable, Sendable {
    case info(String)
    case warning(String)
    case error(String)
    /// A finished run: the text starts with `done`.
    case done(String)

    public var text: String {
        switch self {
        case let .info(t), let .warning(t), let .error(t), let .done(t): t
        }
    }

    /// The same kind of message with other text.
    public func replacingText(_ text: String) -> StatusMessage {
        switch self {
        case .info: .info(text)
        case .warning: .warning(text)
        case .error: .error(text)
        case .done: .done(text)
        }
    }
}

/// Random seeds from SplitMix64 (for Ctrl-R and the random seed mode); seeded for tests.
public struct SeedSource: Sendable, Equatable {
    public private(set) var state: UInt64
    public init(seed: UInt64) { state = seed }

    /// A new seed below 2³² (so it survives tools that store seeds as 32-bit, like A1111).
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return (z ^ (z >> 31)) & 0xFFFF_FFFF
    }
}
