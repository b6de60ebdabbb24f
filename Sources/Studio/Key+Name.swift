extension Key {
    /// How help and the keys table write the key: "Ctrl-S", "Alt-Enter", "F3", "↑", "Shift-Tab".
    public var name: String {
        switch self {
        case let .character(c): c == " " ? "Space" : String(c)
        case .paste: "pasted text"
        case let .control(c): "Ctrl-" + c.uppercased()
        case let .alt(c): c == "\n" || c == "\r" ? "Alt-Enter" : "Alt-" + String(c)
        case let .function(n): "F\(n)"
        case .enter: "Enter"
        case .escape: "Esc"
        case .tab: "Tab"
        case .backTab: "Shift-Tab"
        case .backspace: "Backspace"
        case .delete: "Del"
        case .left: "←"
        case .right: "→"
        case .up: "↑"
        case .down: "↓"
        case .home: "Home"
        case .end: "End"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .wordLeft: "Ctrl-←"
        case .wordRight: "Ctrl-→"
        case .shiftLeft: "Shift-←"
        case .shiftRight: "Shift-→"
        case .altBackspace: "Alt-Backspace"
        case .resize: "(resize)"
        }
    }
}
