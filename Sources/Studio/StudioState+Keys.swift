import Foundation
import Generation
import Imaging
import RectifiedFlow

/// Key handling: every key becomes state changes plus effects for the controller.
extension StudioState {
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
        case .confirmQuit:
            if key == .resize { return [] }
            // y, or asking to quit again (also where the question cannot be drawn: a tiny window).
            if [.character("y"), .character("Y"), .control("q"), .control("c"), .function(10)].contains(key) {
                unsavedFavoriteIDs = []
                return quit()
            }
            mode = .main
            message = .info("not quitting; the unsaved favorites are in Ctrl-F")
            return [.repaint]
        case .main:
            return handleMain(key, now: now)
        }
    }

    mutating func quit() -> [StudioEffect] {
        if !unsavedFavoriteIDs.isEmpty {
            mode = .confirmQuit
            return [.repaint]
        }
        var effects: [StudioEffect] = []
        if isRunning { effects.append(.cancel) }
        effects.append(.quit)
        return effects
    }

    /// Why Ctrl-S / Ctrl-E (`verb`) has no finished image to work on, or nil when it has one.
    func nothingToSave(_ verb: String) -> String? {
        switch runPhase {
        case .running:
            return "nothing to \(verb) yet: the run is still going (Esc cancels it); Ctrl-S and Ctrl-E work on finished images"
        case .cancelled:
            return "nothing to \(verb): the last run was cancelled; press Enter to generate the image"
        case .failed:
            return "nothing to \(verb): the last run failed (see its error); change the settings, then press Enter"
        case .idle, .finished:
            return result == nil ? "nothing to \(verb) yet: press Enter to generate an image first" : nil
        }
    }

    mutating func handleMain(_ key: Key, now: Double) -> [StudioEffect] {
        let sign = pendingSign
        pendingSign = nil
        switch key {
        case .resize:
            return []
        case .function(1):
            mode = .help
            return [.repaint]
        case .control("q"), .function(10), .control("c"):
            return quit()
        case .control("s"):
            if let why = nothingToSave("save") {
                message = .warning(why)
                return []
            }
            return [.saveFavorite]
        case .control("e"):
            if let why = nothingToSave("export") {
                message = .warning(why)
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
        return handleSetting(key, now: now, after: sign)
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

    /// `sign` is the `-`/`+` pressed just before this key, if any.
    mutating func handleSetting(_ key: Key, now: Double, after sign: PendingSign? = nil) -> [StudioEffect] {
        switch key {
        case .left:
            return scrub(by: -1)
        case .right:
            return scrub(by: 1)
        case .character("-") where fieldInput?.last.map({ $0 == "e" || $0 == "E" }) == true:
            fieldInput! += "-"  // an exponent's sign (1e-3), not "one step down"
            return []
        case .up, .character("+"), .character("="):
            let typed = fieldInput != nil
            guard commitInput() else { return [] }
            if !typed { rememberSign(key, now: now) }  // "12-5" is 12, then one step down, then 5
            return adjust(by: 1, now: now)
        case .down, .character("-"), .character("_"):
            let typed = fieldInput != nil
            guard commitInput() else { return [] }
            if !typed { rememberSign(key, now: now) }
            return adjust(by: -1, now: now)
        case .character where focus == .size && supportedSizes.count == 1:
            sayTheSizeIsFixed()
            return []
        case .character(" ") where !focus.isNumeric:
            return adjust(by: 1, now: now)
        case let .character(c) where focus.isNumeric:
            guard c.isNumber || c == "." || c == "e" || c == "E" else {
                message = .error("\(focus.label) takes a number; '\(c)' is not part of one")
                return []
            }
            if fieldInput == nil, let sign, sign.field == focus, now - sign.at <= PendingSign.window, c.isNumber || c == "." {
                // "-1" typed: not one step down and then a 1, but a signed number (refused or
                // accepted when it is committed, like any typed value).
                switch focus {
                case .steps: steps = sign.before.steps
                case .cfg: cfgScale = sign.before.cfgScale
                case .seed: seed = sign.before.seed
                case .shift: shift = sign.before.shift
                default: break
                }
                fieldInput = String(sign.sign)
            }
            fieldInput = (fieldInput ?? "") + String(c)
            if case .error(let text)? = message, text.contains("takes a number") { message = nil }  // answered
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

    /// The size field of a model with one size: typing or stepping it only says so.
    mutating func sayTheSizeIsFixed() {
        message = .info("this model makes only \(supportedSizes[0].description) images; the size cannot change")
    }

    /// Remembers a `-` or `+` pressed on a numeric field, for `handleSetting`.
    mutating func rememberSign(_ key: Key, now: Double) {
        guard focus.isNumeric, case let .character(c) = key, c == "-" || c == "+" else { return }
        pendingSign = PendingSign(field: focus, sign: c, before: settings, at: now)
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
            guard supportedSizes.count > 1 else {
                sayTheSizeIsFixed()
                return []
            }
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
        pendingSign = nil
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
        if let ignored = ignoredWords.message { notes.append(ignored) }
        runNote = notes.isEmpty ? nil : notes.joined(separator: "; ")
        message = runNote.map { .warning($0) }
        return [.generate(s, run: runID)]
    }

    /// Sets the words the model does not read of the prompt and says so in the status line.
    public mutating func setIgnoredWords(_ words: IgnoredWords) {
        guard words != ignoredWords else { return }
        ignoredWords = words
        if let text = words.message {
            message = .warning(text)
        } else if case .warning(let text)? = message, text.contains("vocabulary") || text.contains("model reads") {
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
        // The newest step is where nil stands (the result, after a finished run, is that step's
        // picture), so the first ← always shows a different step.
        let last = frames.count - 1
        let next = min(max((scrubIndex ?? last) + delta, 0), last)
        scrubIndex = next == last ? nil : next
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
            let settings = mode == .history ? history[listSelection].settings : favorites[listSelection].settings
            let what = mode == .history ? "generation #\(history[listSelection].number)"
                                        : "favorite '\(DisplayWidth.truncate(settings.prompt, to: 30))'"
            let problems = restore(settings)
            let text = "restored \(what); seed mode set to fixed so Enter makes it again"
            message = problems.isEmpty ? .info(text) : .warning(([text] + problems).joined(separator: "; "))
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
}
