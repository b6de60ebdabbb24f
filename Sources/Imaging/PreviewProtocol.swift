/// How the studio shows a picture in the terminal.
public enum PreviewProtocol: String, Sendable, CaseIterable, CustomStringConvertible {
    /// kitty's graphics protocol (kitty, Ghostty, WezTerm, Konsole): pixels sent as RGB or PNG,
    /// placed with ids so that a new picture replaces the last one.
    case kitty
    /// iTerm2's inline images (`OSC 1337 ; File=`; iTerm2, WezTerm, mlterm): a PNG drawn into cells.
    case iterm2
    /// Sixel graphics (xterm -ti vt340, foot, WezTerm, mlterm, tmux ≥ 3.4 with sixel).
    case sixel
    /// Half blocks with 24-bit colour (`COLORTERM=truecolor`).
    case truecolor
    /// Half blocks with the xterm 256-colour palette.
    case ansi256
    /// Characters by brightness, no colour.
    case ascii

    /// Parses `kitty`, `iterm2`, `sixel`, `truecolor`, `256` or `ascii` (case-insensitive); also
    /// accepts `iterm` for iterm2, `24bit` for truecolor and `ansi256` for 256.
    public init?(parsing text: String) {
        switch text.lowercased() {
        case "kitty": self = .kitty
        case "iterm2", "iterm": self = .iterm2
        case "sixel": self = .sixel
        case "truecolor", "24bit": self = .truecolor
        case "256", "ansi256": self = .ansi256
        case "ascii": self = .ascii
        default: return nil
        }
    }

    /// The spellings `init(parsing:)` reads, for help texts and error messages.
    public static let names = "kitty, iterm2, sixel, truecolor, 256 or ascii"

    /// The spelling `init(parsing:)` reads: `kitty`, `iterm2`, `sixel`, `truecolor`, `256` or `ascii`.
    public var description: String {
        self == .ansi256 ? "256" : rawValue
    }

    /// True for the protocols that draw real pixels (kitty, iTerm2, sixel) rather than characters.
    public var drawsPixels: Bool {
        switch self {
        case .kitty, .iterm2, .sixel: true
        case .truecolor, .ansi256, .ascii: false
        }
    }
}
