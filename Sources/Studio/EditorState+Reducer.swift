import Foundation
import Generation

/// The reducer: what each `EditorAction` does to the prompts and the settings.
extension EditorState {
    /// Handles `action`, triggered by `key` at time `now` (seconds). `sign` is the `-`/`+`
    /// pressed just before (see `takePendingSign()`); `isRunning` whether a run is going (an
    /// edit cancels it when live re-generation is on).
    mutating func reduce(_ action: EditorAction, key: Key, now: Double, after sign: PendingSign?, isRunning: Bool,
                         status: inout StatusMessage?) -> [StudioEffect] {
        switch action {
        case .nextField, .previousField:
            guard commitInput(status: &status) else { return [] }
            focus = Self.cycle(focus, action == .nextField ? 1 : -1)
            return []
        case .randomSeed:
            guard commitInput(status: &status) else { return [] }
            seed = seedSource.next()
            status = .info("new random seed \(seed)")
            return edited(now: now, isRunning: isRunning)
        case .toggleLive:
            live.toggle()
            liveDeadline = nil
            status = .info(live ? "live re-generation on: edits start a new run after a short pause"
                                : "live re-generation off: press Enter to generate")
            return []
        case .stepUp, .stepDown:
            if case .character("-") = key, fieldInput?.last.map({ $0 == "e" || $0 == "E" }) == true {
                fieldInput! += "-"  // an exponent's sign (1e-3), not "one step down"
                return []
            }
            let typed = fieldInput != nil
            guard commitInput(status: &status) else { return [] }
            if !typed { rememberSign(key, now: now) }  // "12-5" is 12, then one step down, then 5
            return adjust(by: action == .stepUp ? 1 : -1, now: now, isRunning: isRunning, status: &status)
        case .typeIntoSetting:
            return typeIntoSetting(key, now: now, after: sign, isRunning: isRunning, status: &status)
        case .eraseDigit:
            guard focus.isNumeric else { return [] }
            var input = fieldInput ?? value(of: focus)
            if !input.isEmpty { input.removeLast() }
            fieldInput = input
            return []
        default:
            return editText(action, key: key, now: now, isRunning: isRunning, status: &status)
        }
    }

    // MARK: The prompt editors

    mutating func editText(_ action: EditorAction, key: Key, now: Double, isRunning: Bool,
                           status: inout StatusMessage?) -> [StudioEffect] {
        let isPrompt = focus == .prompt
        var editor = isPrompt ? prompt : negative
        let width = isPrompt ? promptWidth : negativeWidth
        let before = editor.characters
        switch action {
        case .insertText:
            switch key {
            case let .character(c):
                editor.insert(String(c), allowNewlines: isPrompt)
            case let .paste(text):
                if !editor.insert(text, allowNewlines: isPrompt) {
                    status = .warning("the pasted text was cut at \(editor.maxLength) characters")
                    warningToPin = status
                }
            default:
                return []
            }
        case .newLine: editor.insert("\n", allowNewlines: isPrompt)
        case .deleteBackward: editor.backspace()
        case .deleteForward: editor.deleteForward()
        case .deleteWordBackward: editor.deleteWordBackward()
        case .deleteWordForward: editor.deleteWordForward()
        case .deleteToLineStart: editor.deleteToLineStart()
        case .deleteToLineEnd: editor.deleteToLineEnd()
        case .cursorLeft: editor.moveLeft()
        case .cursorRight: editor.moveRight()
        case .wordLeft: editor.moveWordLeft()
        case .wordRight: editor.moveWordRight()
        case .lineStart: editor.moveToLineStart(width: width)
        case .lineEnd: editor.moveToLineEnd(width: width)
        case .textStart: editor.moveToStart()
        case .textEnd: editor.moveToEnd()
        case .lineUp:
            if !editor.moveVertically(by: -1, width: width) && !isPrompt { focus = .prompt }
        case .lineDown:
            if !editor.moveVertically(by: 1, width: width) { focus = isPrompt ? .negative : .steps }
        default:
            return []
        }
        if isPrompt { prompt = editor } else { negative = editor }
        return editor.characters == before ? [] : edited(now: now, isRunning: isRunning)
    }

    // MARK: The settings fields

    /// A character or pasted text on a settings field: digits start or extend a typed number.
    mutating func typeIntoSetting(_ key: Key, now: Double, after sign: PendingSign?, isRunning: Bool,
                                  status: inout StatusMessage?) -> [StudioEffect] {
        switch key {
        case .character where focus == .size && supportedSizes.count == 1:
            sayTheSizeIsFixed(status: &status)
            return []
        case .character(" ") where !focus.isNumeric:
            return adjust(by: 1, now: now, isRunning: isRunning, status: &status)
        case let .character(c) where focus.isNumeric:
            guard c.isNumber || c == "." || c == "e" || c == "E" else {
                status = .error("\(focus.label) takes a number; '\(c)' is not part of one")
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
            if case .error(let text)? = status, text.contains("takes a number") { status = nil }  // answered
            return []
        case let .paste(text) where focus.isNumeric:
            fieldInput = (fieldInput ?? "") + text.trimmingCharacters(in: .whitespacesAndNewlines)
            return []
        case .character:
            status = .info("use + / − or ↑ / ↓ to change \(focus.label.lowercased())")
            return []
        default:
            return []
        }
    }

    /// The size field of a model with one size: typing or stepping it only says so.
    func sayTheSizeIsFixed(status: inout StatusMessage?) {
        status = .info("this model makes only \(Self.describe(supportedSizes[0])) images; the size cannot change")
    }

    /// Remembers a `-` or `+` pressed on a numeric field, for `typeIntoSetting`.
    mutating func rememberSign(_ key: Key, now: Double) {
        guard focus.isNumeric, case let .character(c) = key, c == "-" || c == "+" else { return }
        pendingSign = PendingSign(field: focus, sign: c, before: settings, at: now)
    }

    /// The sign pressed just before the key being handled (each key of the main screen takes it,
    /// so only the very next key can use it).
    mutating func takePendingSign() -> PendingSign? {
        defer { pendingSign = nil }
        return pendingSign
    }

    /// Accepts the typed value of the focused field, or refuses it with the reason (the text
    /// stays for correcting). True when nothing was pending or the value was accepted.
    mutating func commitInput(status: inout StatusMessage?) -> Bool {
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
            if settings != old { status = nil }
            return true
        } catch {
            status = .error(error.reason)
            return false
        }
    }

    /// One step up (+1) or down (−1) of the focused setting.
    mutating func adjust(by d: Int, now: Double, isRunning: Bool, status: inout StatusMessage?) -> [StudioEffect] {
        switch focus {
        case .steps:
            steps = SamplingLimits.stepsRule.clamped(steps + d)
        case .cfg:
            cfgScale = SamplingLimits.cfgRule.clamped(cfgScale + 0.5 * Float(d))
        case .seed:
            seed = d > 0 ? seed &+ 1 : seed &- 1
        case .shift:
            let step = shift < 1 || (shift == 1 && d < 0) ? 0.05 : 0.25
            shift = SamplingLimits.shiftRule.clamped(((shift + step * Double(d)) * 100).rounded() / 100)
        case .seedMode:
            seedMode = Self.cycle(seedMode, d)
            return []
        case .sampler:
            sampler = Self.cycle(sampler, d)
        case .size:
            guard supportedSizes.count > 1 else {
                sayTheSizeIsFixed(status: &status)
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
        return edited(now: now, isRunning: isRunning)
    }

    static func cycle<T: CaseIterable & Equatable>(_ value: T, _ d: Int) -> T where T.AllCases == [T] {
        let all = T.allCases
        let i = all.firstIndex(of: value)!
        return all[(i + d + all.count) % all.count]
    }
}
