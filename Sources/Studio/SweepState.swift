import Generation

/// The sweep editor (Ctrl-X): two one-line fields, the X axis and the optional Y axis, each
/// written `SETTING=V1,V2,…` (`seed=1,2,3`, `cfg=3,5`, `steps=8,16`, `shift=1,3`,
/// `sampler=euler,heun`, `word` for the prompt's `A|B|C`). Enter makes the grid.
public struct SweepState: Sendable {
    public var x = PromptEditor("seed=1,2,3", maxLength: 200)
    public var y = PromptEditor("cfg=3,5", maxLength: 200)
    /// Which field has the focus: 0 the X axis, 1 the Y axis.
    public var line = 0

    public init() {}

    /// The sweep the fields describe, for a run whose prompt is `prompt`; throws the reason it is not one.
    public func sweep(prompt: String) throws(SweepError) -> Sweep {
        let x = try SweepAxis(parsing: x.text, prompt: prompt)
        let yText = y.text.trimmingCharacters(in: .whitespaces)
        let y = yText.isEmpty ? nil : try SweepAxis(parsing: yText, prompt: prompt)
        return try Sweep(x: x, y: y)
    }

    /// Edits the focused field (the prompt editors' keys; no new lines); ↑, ↓, Tab and
    /// Shift-Tab move to the other field.
    mutating func edit(_ action: EditorAction, key: Key) {
        switch action {
        case .lineUp, .lineDown, .nextField, .previousField:
            line = 1 - line
            return
        default: break
        }
        var field = line == 0 ? x : y
        switch action {
        case .insertText:
            switch key {
            case let .character(c): field.insert(String(c), allowNewlines: false)
            case let .paste(text): field.insert(text.trimmingCharacters(in: .newlines), allowNewlines: false)
            default: break
            }
        case .deleteBackward: field.backspace()
        case .deleteForward: field.deleteForward()
        case .deleteWordBackward: field.deleteWordBackward()
        case .deleteWordForward: field.deleteWordForward()
        case .deleteToLineStart: field.deleteToLineStart()
        case .deleteToLineEnd: field.deleteToLineEnd()
        case .cursorLeft: field.moveLeft()
        case .cursorRight: field.moveRight()
        case .wordLeft: field.moveWordLeft()
        case .wordRight: field.moveWordRight()
        case .lineStart, .textStart: field.moveToStart()
        case .lineEnd, .textEnd: field.moveToEnd()
        default: break
        }
        if line == 0 { x = field } else { y = field }
    }
}
