/// How the studio shows a picture in the terminal.
public enum PreviewProtocol: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Sixel graphics (xterm -ti vt340, foot, WezTerm, mlterm, tmux ≥ 3.4 with sixel).
    case sixel
    /// Half blocks with 24-bit colour (`COLORTERM=truecolor`).
    case truecolor
    /// Half blocks with the xterm 256-colour palette.
    case ansi256
    /// Characters by brightness, no colour.
    case ascii

    /// Parses `sixel`, `truecolor`, `256` or `ascii` (case-insensitive); also accepts
    /// `24bit` for truecolor and `ansi256` for 256.
    public init?(parsing text: String) {
        switch text.lowercased() {
        case "sixel": self = .sixel
        case "truecolor", "24bit": self = .truecolor
        case "256", "ansi256": self = .ansi256
        case "ascii": self = .ascii
        default: return nil
        }
    }

    /// The spelling `init(parsing:)` reads: `sixel`, `truecolor`, `256` or `ascii`.
    public var description: String {
        self == .ansi256 ? "256" : rawValue
    }
}
