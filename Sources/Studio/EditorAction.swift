/// What a key does to the prompt editors and the settings fields (reduced by `EditorState`).
public enum EditorAction: Equatable, Sendable {
    // MARK: Focus and settings
    case nextField, previousField
    /// One step up / down of the focused setting (or the next / previous choice).
    case stepUp, stepDown
    /// A character or pasted text typed into a settings field (the key carries it).
    case typeIntoSetting
    /// Backspace in a numeric field: edits the typed (or shown) number.
    case eraseDigit
    case randomSeed
    case toggleLive

    // MARK: The prompt editors
    /// A character or pasted text typed into the prompt (the key carries it).
    case insertText
    case newLine
    case deleteBackward, deleteForward
    case deleteWordBackward, deleteWordForward
    case deleteToLineStart, deleteToLineEnd
    case cursorLeft, cursorRight, wordLeft, wordRight
    case lineStart, lineEnd, textStart, textEnd
    /// Up / down a line; past the first or last line the focus moves to the field above / below.
    case lineUp, lineDown
}
