import FlowCore
import Foundation
import Testing
@testable import Studio

/// Each bundled theme, and `Theme.builtInDefaultTOML`, parses to exactly the `Theme` it gave
/// when TOMLKit (toml++) read theme files: `expected` was printed by `pinned(_:)` from TOMLKit's
/// parse before FlowStudio's own reader (`ThemeTOML`, issue 17) replaced it.
@Suite struct BundledThemeStylesTests {
    /// One line for the name and description, then one per element: `role fg=… bg=… [bold] [underline] [reverse]`.
    static func pinned(_ theme: Theme) -> String {
        var lines = ["name=\(theme.name) description=\(theme.description) elements=\(theme.styles.count)"]
        for role in StyleRole.allCases {
            guard let s = theme.styles[role] else {
                lines.append("\(Theme.fileName(role)) (none)")
                continue
            }
            let flags = [(s.bold, " bold"), (s.underline, " underline"), (s.reverse, " reverse")].filter { $0.0 }.map { $0.1 }.joined()
            lines.append("\(Theme.fileName(role)) fg=\(colour(s.foreground)) bg=\(colour(s.background))\(flags)")
        }
        return lines.joined(separator: "\n")
    }

    static func colour(_ c: ThemeColor) -> String {
        switch c {
        case .terminalDefault: "default"
        case let .ansi(i): "ansi\(i)"
        case let .indexed(i): "index\(i)"
        case let .rgb(v): "#" + [v.r, v.g, v.b].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        }
    }

    @Test func eachBundledThemeParsesAsBefore() throws {
        let library = ThemeLibrary(directories: [ThemeTests.themesFolder])
        #expect(Set(library.names()) == Set(Self.expected.keys))
        for (name, expected) in Self.expected {
            #expect(Self.pinned(try library.theme(name)) == expected, "\(name)")
        }
        #expect(Self.pinned(try Theme(toml: Theme.builtInDefaultTOML, name: "default")) == Self.expected["default"])
    }

    static let expected: [String: String] = [
        "default": """
        name=default description=dark default elements=22
        text fg=#d0d0d0 bg=default
        title fg=#ffffff bg=#3a3a70 bold
        border fg=#5f5f87 bg=default
        focus-border fg=#ffd75f bg=default bold
        box-title fg=#afafff bg=default bold
        label fg=#8a8aa8 bg=default
        value fg=#e4e4e4 bg=default
        focus fg=#1c1c1c bg=#ffd75f bold
        editor fg=#ffffff bg=default
        placeholder fg=#6c6c6c bg=default
        dim fg=#808080 bg=default
        status fg=#d0d0d0 bg=#262626
        status-warning fg=#ffd75f bg=#262626 bold
        status-error fg=#ff5f5f bg=#262626 bold
        status-done fg=#87d787 bg=#262626 bold
        footer fg=#a8a8a8 bg=#1c1c1c
        footer-key fg=#ffd75f bg=#1c1c1c bold
        progress fg=#5fafff bg=default
        progress-track fg=#444444 bg=default
        selection fg=#000000 bg=#87afff
        help fg=#e4e4e4 bg=#303050
        help-key fg=#ffd75f bg=#303050 bold
        """,
        "high-contrast": """
        name=high-contrast description=high contrast elements=22
        text fg=#ffffff bg=#000000
        title fg=#000000 bg=#ffffff bold
        border fg=#ffffff bg=#000000
        focus-border fg=#ffff00 bg=#000000 bold
        box-title fg=#ffff00 bg=#000000 bold
        label fg=#ffffff bg=#000000
        value fg=#ffffff bg=#000000 bold
        focus fg=#000000 bg=#ffff00 bold
        editor fg=#ffffff bg=#000000 bold
        placeholder fg=#c0c0c0 bg=#000000
        dim fg=#c0c0c0 bg=#000000
        status fg=#ffffff bg=#000000 bold
        status-warning fg=#000000 bg=#ffff00 bold
        status-error fg=#ffffff bg=#d70000 bold
        status-done fg=#000000 bg=#00ff00 bold
        footer fg=#000000 bg=#ffffff
        footer-key fg=#000000 bg=#ffffff bold underline
        progress fg=#00ffff bg=#000000
        progress-track fg=#808080 bg=#000000
        selection fg=#000000 bg=#00ffff bold
        help fg=#ffffff bg=#000000
        help-key fg=#ffff00 bg=#000000 bold
        """,
        "light": """
        name=light description=light elements=22
        text fg=#303030 bg=#f5f5ef
        title fg=#ffffff bg=#5050a0 bold
        border fg=#a0a0b8 bg=#f5f5ef
        focus-border fg=#d75f00 bg=#f5f5ef bold
        box-title fg=#3a3aa0 bg=#f5f5ef bold
        label fg=#6a6a80 bg=#f5f5ef
        value fg=#202020 bg=#f5f5ef
        focus fg=#ffffff bg=#d75f00 bold
        editor fg=#101010 bg=#f5f5ef
        placeholder fg=#a0a0a0 bg=#f5f5ef
        dim fg=#8a8a8a bg=#f5f5ef
        status fg=#303030 bg=#e0e0d8
        status-warning fg=#875f00 bg=#e0e0d8 bold
        status-error fg=#c00000 bg=#e0e0d8 bold
        status-done fg=#007a00 bg=#e0e0d8 bold
        footer fg=#505050 bg=#d8d8d0
        footer-key fg=#3a3aa0 bg=#d8d8d0 bold
        progress fg=#3a7ad0 bg=#f5f5ef
        progress-track fg=#c8c8c8 bg=#f5f5ef
        selection fg=#ffffff bg=#5f87d7
        help fg=#202020 bg=#e8e8f8
        help-key fg=#3a3aa0 bg=#e8e8f8 bold
        """,
        "sixteen": """
        name=sixteen description=16 ANSI colours elements=22
        text fg=default bg=default
        title fg=ansi15 bg=ansi4 bold
        border fg=ansi4 bg=default
        focus-border fg=ansi3 bg=default bold
        box-title fg=ansi14 bg=default bold
        label fg=ansi6 bg=default
        value fg=ansi15 bg=default
        focus fg=ansi0 bg=ansi3
        editor fg=ansi15 bg=default
        placeholder fg=ansi8 bg=default
        dim fg=ansi8 bg=default
        status fg=ansi7 bg=ansi0
        status-warning fg=ansi11 bg=ansi0
        status-error fg=ansi9 bg=ansi0
        status-done fg=ansi10 bg=ansi0
        footer fg=ansi7 bg=ansi4
        footer-key fg=ansi11 bg=ansi4 bold
        progress fg=ansi14 bg=default
        progress-track fg=ansi8 bg=default
        selection fg=ansi0 bg=ansi6
        help fg=ansi15 bg=ansi4
        help-key fg=ansi11 bg=ansi4 bold
        """,
    ]
}
