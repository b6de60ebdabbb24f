/// One keyboard event as the studio understands it, independent of ncurses (the fake terminal
/// in tests produces the same values).
public enum Key: Equatable, Sendable {
    /// A printable character (already decoded from UTF-8).
    case character(Character)
    /// Text delivered in one piece by bracketed paste (may contain newlines).
    case paste(String)
    /// Ctrl plus a letter, as the lower-case letter: `.control("s")` is Ctrl-S (byte 0x13).
    case control(Character)
    /// Alt (Meta) plus a character: the terminal sends ESC then the character.
    case alt(Character)
    /// F1…F12.
    case function(Int)
    case enter, escape, tab, backTab, backspace, delete
    case left, right, up, down, home, end, pageUp, pageDown
    /// Ctrl-Left / Ctrl-Right (word moves).
    case wordLeft, wordRight
    /// Shift-Left / Shift-Right.
    case shiftLeft, shiftRight
    /// Alt-Backspace (delete the word before the cursor).
    case altBackspace
    /// The terminal changed size.
    case resize

    /// The key for a control byte 0x01…0x1A, or the named keys among the C0 bytes
    /// (Tab 0x09, Enter 0x0A/0x0D, Esc 0x1B, Backspace 0x08/0x7F); nil for other bytes.
    public static func fromControlByte(_ byte: UInt32) -> Key? {
        switch byte {
        case 0x09: return .tab
        case 0x0A, 0x0D: return .enter
        case 0x1B: return .escape
        case 0x08, 0x7F: return .backspace
        case 0x01...0x1A: return .control(Character(Unicode.Scalar(byte + 0x60)!))
        default: return nil
        }
    }
}
