import FlowCore
import Foundation
import Imaging

/// A colour as a theme file names it.
public enum ThemeColor: Equatable, Sendable {
    /// The terminal's own foreground or background.
    case terminalDefault
    /// One of the 16 ANSI colours (0–7 normal, 8–15 bright), by name in the file.
    case ansi(Int)
    /// An xterm 256-palette index 16–255.
    case indexed(Int)
    /// 24-bit, `#rrggbb` in the file.
    case rgb(RGB)

    /// ANSI names, index = colour number.
    public static let ansiNames = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
                                   "bright-black", "bright-red", "bright-green", "bright-yellow", "bright-blue",
                                   "bright-magenta", "bright-cyan", "bright-white"]

    /// xterm's default RGB for the 16 ANSI colours (for matching colours down to 16 or 8).
    public static let ansiRGB: [RGB] = [
        RGB(0, 0, 0), RGB(205, 0, 0), RGB(0, 205, 0), RGB(205, 205, 0), RGB(0, 0, 238), RGB(205, 0, 205),
        RGB(0, 205, 205), RGB(229, 229, 229), RGB(127, 127, 127), RGB(255, 0, 0), RGB(0, 255, 0),
        RGB(255, 255, 0), RGB(92, 92, 255), RGB(255, 0, 255), RGB(0, 255, 255), RGB(255, 255, 255),
    ]

    /// Reads `default`, a name (`red`, `bright-blue`, `grey`), `#rrggbb`, or `0`–`255`.
    public init?(parsing text: String) {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if t == "default" || t == "none" {
            self = .terminalDefault
        } else if t.hasPrefix("#"), t.count == 7, let v = UInt32(t.dropFirst(), radix: 16) {
            self = .rgb(RGB(UInt8(v >> 16), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)))
        } else if let i = ThemeColor.ansiNames.firstIndex(of: t.replacingOccurrences(of: "_", with: "-")) {
            self = .ansi(i)
        } else if t == "gray" || t == "grey" {
            self = .ansi(8)
        } else if let n = Int(t), (0...255).contains(n) {
            self = n < 16 ? .ansi(n) : .indexed(n)
        } else {
            return nil
        }
    }

    /// The colour's RGB (nil for the terminal default).
    public var rgbValue: RGB? {
        switch self {
        case .terminalDefault: nil
        case let .ansi(i): ThemeColor.ansiRGB[i]
        case let .indexed(i): Palette256.color(UInt8(i))
        case let .rgb(c): c
        }
    }

    /// The curses colour number on a terminal with `colors` colours (−1 = default), and whether
    /// a foreground needs bold to look bright (bright ANSI colours on 8-colour terminals).
    public func resolved(colors: Int) -> (number: Int, needsBold: Bool) {
        if case .terminalDefault = self { return (-1, false) }
        if colors >= 256 {
            switch self {
            case let .ansi(i), let .indexed(i): return (i, false)
            case let .rgb(c): return (Int(Palette256.index(c)), false)
            case .terminalDefault: return (-1, false)
            }
        }
        if colors >= 16 {
            if case let .ansi(i) = self { return (i, false) }
            return (ThemeColor.nearestANSI(rgbValue!, count: 16), false)
        }
        if colors >= 8 {
            let i: Int
            if case let .ansi(a) = self { i = a } else { i = ThemeColor.nearestANSI(rgbValue!, count: 16) }
            return (i % 8, i >= 8)
        }
        return (-1, false)
    }

    /// The nearest of the first `count` ANSI colours (squared RGB distance).
    public static func nearestANSI(_ c: RGB, count: Int) -> Int {
        var best = 0, bestDistance = Int.max
        for i in 0..<count {
            let a = ansiRGB[i]
            let dr = Int(a.r) - Int(c.r), dg = Int(a.g) - Int(c.g), db = Int(a.b) - Int(c.b)
            let d = 3 * dr * dr + 4 * dg * dg + 2 * db * db
            if d < bestDistance { (best, bestDistance) = (i, d) }
        }
        return best
    }
}

/// How one element looks.
public struct ThemeStyle: Equatable, Sendable {
    public var foreground: ThemeColor
    public var background: ThemeColor
    public var bold: Bool
    public var underline: Bool
    public var reverse: Bool

    public init(foreground: ThemeColor = .terminalDefault, background: ThemeColor = .terminalDefault,
                bold: Bool = false, underline: Bool = false, reverse: Bool = false) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.underline = underline
        self.reverse = reverse
    }
}

/// A style fitted to a terminal: curses colour numbers (−1 = default) and attributes.
public struct ResolvedStyle: Equatable, Sendable {
    public var foreground: Int
    public var background: Int
    public var bold: Bool
    public var underline: Bool
    public var reverse: Bool
}

/// Colours for every element of the screen, read from a small TOML file:
///
/// ```toml
/// name = "default"
/// description = "dark"
/// [text]
/// fg = "#d0d0d0"
/// bg = "default"
/// [title]
/// fg = "#ffffff"
/// bg = "#3a3a6a"
/// bold = true
/// ```
/// Colours are `default`, ANSI names (`red`, `bright-blue`), `#rrggbb` or a 256-palette index.
/// An element the file leaves out takes `text`'s colours. Unknown element or key names are
/// errors, so a typo does not go unnoticed.
public struct Theme: Equatable, Sendable {
    public var name: String
    public var description: String
    public var styles: [StyleRole: ThemeStyle]

    public func style(_ role: StyleRole) -> ThemeStyle {
        styles[role] ?? styles[.text] ?? ThemeStyle()
    }

    /// The style of `role` on a terminal with `colors` colours (0 = no colour: attributes only,
    /// chosen so focus, selection and errors stay visible).
    public func resolved(_ role: StyleRole, colors: Int) -> ResolvedStyle {
        let s = style(role)
        guard colors >= 8 else {
            let reverse = [.focus, .selection, .title, .progress, .statusError].contains(role) || s.reverse
            let bold = [.title, .focusBorder, .boxTitle, .label, .footerKey, .helpKey, .statusDone, .statusError, .statusWarning].contains(role) || s.bold
            return ResolvedStyle(foreground: -1, background: -1, bold: bold, underline: s.underline || role == .editor && false,
                                 reverse: reverse)
        }
        var fg = s.foreground.resolved(colors: colors)
        var bg = s.background.resolved(colors: colors)
        var reverse = s.reverse
        var bold = s.bold || fg.needsBold
        // A background that degrades to the same colour as the foreground would hide the text.
        if fg.number == bg.number && fg.number != -1 {
            if fg.needsBold {
                // A bright colour on its dark variant (grey on black): many terminals do not
                // brighten bold text, so use the plain colour that stands out instead.
                fg.number = bg.number == 7 ? 0 : 7
            } else {
                bg = (-1, false)
                reverse = true
            }
        }
        // On 8 colours, bold black is drawn as grey (bold means bright there): dark text on a
        // light bar would lose its contrast.
        if colors < 16 && fg.number == 0 && !fg.needsBold { bold = false }
        return ResolvedStyle(foreground: fg.number, background: bg.number, bold: bold,
                             underline: s.underline, reverse: reverse)
    }

    /// Parses a theme file's text (FlowStudio's own reader of the TOML subset themes use,
    /// `ThemeTOML`); `name` is used when the file has no `name` key. A text that is not that
    /// TOML is `.syntax` with the problem's line and column.
    public init(toml text: String, name fallbackName: String) throws(ThemeError) {
        let document: ThemeTOML
        do {
            document = try ThemeTOML(parsing: text)
        } catch {
            throw .syntax(error.description)
        }
        try self.init(document: document, name: fallbackName)
    }

    /// The theme a parsed theme file describes; `name` is used when the file has no `name` key.
    init(document: ThemeTOML, name fallbackName: String) throws(ThemeError) {
        name = fallbackName
        description = ""
        styles = [:]
        for entry in document.entries {
            switch entry.key {
            case "name":
                guard case let .string(s) = entry.value else {
                    throw .badValue(element: "name", key: "name", value: entry.value.description)
                }
                name = s
            case "description":
                if case let .string(s) = entry.value { description = s }
            default:
                guard let role = StyleRole(rawValue: Theme.roleName(entry.key)) else {
                    throw .unknownElement(entry.key, known: StyleRole.allCases.map { Theme.fileName($0) })
                }
                guard case let .table(entries) = entry.value else {
                    throw .badValue(element: entry.key, key: entry.key, value: "expected a table [\(entry.key)] with fg/bg")
                }
                styles[role] = try Theme.style(entries, name: entry.key)
            }
        }
        if styles[.text] == nil { styles[.text] = ThemeStyle() }
    }

    /// One element's `[table]`: `fg`/`bg` colours (a string, or an integer 0–255) and the flags.
    static func style(_ entries: [ThemeTOML.Entry], name: String) throws(ThemeError) -> ThemeStyle {
        var style = ThemeStyle()
        for entry in entries {
            switch entry.key {
            case "fg", "bg":
                let text: String
                switch entry.value {
                case let .string(s): text = s
                case let .integer(n): text = String(n)
                default: text = ""
                }
                guard let color = ThemeColor(parsing: text) else {
                    throw .badValue(element: name, key: entry.key, value: text.isEmpty ? entry.value.description : text)
                }
                if entry.key == "fg" { style.foreground = color } else { style.background = color }
            case "bold", "underline", "reverse":
                guard case let .boolean(flag) = entry.value else {
                    throw .badValue(element: name, key: entry.key, value: entry.value.description)
                }
                switch entry.key {
                case "bold": style.bold = flag
                case "underline": style.underline = flag
                default: style.reverse = flag
                }
            default:
                throw .unknownKey(element: name, key: entry.key)
            }
        }
        return style
    }

    /// File names use kebab-case (`status-error`); roles are camelCase.
    static func roleName(_ fileName: String) -> String {
        var out = "", upper = false
        for c in fileName {
            if c == "-" || c == "_" { upper = true; continue }
            out += upper ? c.uppercased() : String(c)
            upper = false
        }
        return out
    }

    static func fileName(_ role: StyleRole) -> String {
        role.rawValue.reduce(into: "") { s, c in s += c.isUppercase ? "-" + c.lowercased() : String(c) }
    }

    /// The theme used when no file can be read: the same as `themes/default.toml`.
    public static let builtIn: Theme = {
        do {
            return try Theme(toml: builtInDefaultTOML, name: "default")
        } catch {
            preconditionFailure("the built-in theme does not parse: \(error)")
        }
    }()

    /// A copy of `themes/default.toml` (a test keeps them equal).
    public static let builtInDefaultTOML = """
    # FlowStudio's default theme: dark, on the terminal's own background.
    name = "default"
    description = "dark default"

    [text]
    fg = "#d0d0d0"
    bg = "default"

    [title]
    fg = "#ffffff"
    bg = "#3a3a70"
    bold = true

    [border]
    fg = "#5f5f87"

    [focus-border]
    fg = "#ffd75f"
    bold = true

    [box-title]
    fg = "#afafff"
    bold = true

    [label]
    fg = "#8a8aa8"

    [value]
    fg = "#e4e4e4"

    [focus]
    fg = "#1c1c1c"
    bg = "#ffd75f"
    bold = true

    [editor]
    fg = "#ffffff"

    [placeholder]
    fg = "#6c6c6c"

    [dim]
    fg = "#808080"

    [status]
    fg = "#d0d0d0"
    bg = "#262626"

    [status-warning]
    fg = "#ffd75f"
    bg = "#262626"
    bold = true

    [status-error]
    fg = "#ff5f5f"
    bg = "#262626"
    bold = true

    [status-done]
    fg = "#87d787"
    bg = "#262626"
    bold = true

    [footer]
    fg = "#a8a8a8"
    bg = "#1c1c1c"

    [footer-key]
    fg = "#ffd75f"
    bg = "#1c1c1c"
    bold = true

    [progress]
    fg = "#5fafff"

    [progress-track]
    fg = "#444444"

    [selection]
    fg = "#000000"
    bg = "#87afff"

    [help]
    fg = "#e4e4e4"
    bg = "#303050"

    [help-key]
    fg = "#ffd75f"
    bg = "#303050"
    bold = true
    """
}

/// Why a theme file was refused.
public enum ThemeError: Error, Equatable, CustomStringConvertible {
    case syntax(String)
    case unknownElement(String, known: [String])
    case unknownKey(element: String, key: String)
    case badValue(element: String, key: String, value: String)
    case notFound(String, searched: [String])
    case unreadable(String, String)

    /// What the file says, quoted in a message: at most `columns` wide (a file may hold a 1 MB value).
    static func quoted(_ text: String, columns: Int = 40) -> String {
        let (head, cut) = DisplayWidth.head(text, columns: columns)
        return cut ? DisplayWidth.head(head, columns: columns - 1).text + "…" : head
    }

    public var description: String {
        switch self {
        case let .syntax(why): "is not valid TOML: \(ThemeError.quoted(why, columns: 200))"
        case let .unknownElement(name, known): "names an unknown element [\(ThemeError.quoted(name))]; elements are \(known.joined(separator: ", "))"
        case let .unknownKey(element, key): "has an unknown key '\(ThemeError.quoted(key))' in [\(ThemeError.quoted(element))]; use fg, bg, bold, underline, reverse"
        case let .badValue(element, key, value):
            "has a bad value for \(ThemeError.quoted(key)) in [\(ThemeError.quoted(element))]: \(ThemeError.quoted(value)) (colours are default, a name like red or bright-blue, #rrggbb, or 0-255)"
        case let .notFound(_, searched): "was not found (looked for NAME.toml in \(searched.joined(separator: ", ")))"
        case let .unreadable(path, why): "cannot be read from \(path): \(why)"
        }
    }
}
