import FlowCore
import Foundation
import Imaging
import Testing
@testable import Studio

@Suite struct ThemeTests {
    static let themesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("themes")

    @Test func everyShippedThemeParses() throws {
        let library = ThemeLibrary(directories: [Self.themesFolder])
        let names = library.names()
        for required in ["default", "light", "high-contrast", "sixteen"] { #expect(names.contains(required)) }
        for name in names {
            let theme = try library.theme(name)
            #expect(theme.name == name)
            // Every element is named, so no theme silently falls back for part of the screen.
            for role in StyleRole.allCases { #expect(theme.styles[role] != nil, "\(name) has no [\(Theme.fileName(role))]") }
        }
    }

    @Test func builtInDefaultMatchesTheFile() throws {
        let file = try ThemeLibrary(directories: [Self.themesFolder]).theme("default")
        #expect(file == Theme.builtIn)
    }

    @Test func sixteenUsesOnlyANSIColours() throws {
        let theme = try ThemeLibrary(directories: [Self.themesFolder]).theme("sixteen")
        for style in theme.styles.values {
            for color in [style.foreground, style.background] {
                switch color {
                case .ansi, .terminalDefault: break
                default: Issue.record("sixteen uses \(color)")
                }
            }
        }
    }

    @Test func brokenThemesFallBackWithAClearMessage() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("themes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let cases: [(String, String, String)] = [
            ("syntax", "[text\nfg = ", "is not valid TOML: expected ']' to close the table header, found the end of the line at line 1, column 6"),
            // Found by fuzzing (issue 17): toml++ aborted the process on these; FlowStudio's own
            // reader (ThemeTOML) reports each with its line and column.
            ("header", "[text]\nfg = \"red\"\n\n[= \"#f5f5ef\"\nbold = true", "is not valid TOML: expected a table name, found '=' at line 4, column 2"),
            ("array header", "[[ #x]]", "arrays of tables ([[name]]) are not used in themes at line 1, column 1"),
            ("bare bracket", "[text]\nfg = \"red\"\n[\nbold = true", "expected a table name, found the end of the line at line 3, column 2"),
            ("crlf", "[text]\r\nfg = \"red\"\r\n[=x]\r\n", "expected a table name, found '=' at line 3, column 2"),
            // The one-hour fuzz run (issue 17): a byte-order mark hid the header from the old pre-check.
            ("bom", "\u{FEFF}[   \u{FFFD}t   [text]\nfg = \"#303029\"", "expected a table name, found U+FFFD at line 1, column 5"),
            ("date", "[text]\nfg = 1979-05-27Tx", "dates and times are not used in themes at line 2, column 6"),
            ("array", "# fg = [1] in a comment is fine\n[text]\nfg = \"[x]\"\nbg = [[[[}[[n", "arrays are not used in themes at line 4, column 6"),
            ("inline table", "[text]\nfg = {r = 1}", "inline tables are not used in themes at line 2, column 6"),
            ("time", "# 12:00 in a comment is fine\n[text]\nfg = \"#ffffff\" # so is 1979-05-27\nbg = 07:32x", "dates and times are not used in themes at line 4, column 6"),
            ("twice", "[text]\nfg = \"red\"\n\n[text]\nbg = \"blue\"", "the table [text] is defined twice (first at line 1) at line 4, column 1"),
            ("escape", "[text]\nfg = \"\\uD800\"", "\\uD800 is a lone surrogate, not a character at line 2, column 7"),
            ("not a table", "text = \"red\"", "bad value for text in [text]: expected a table [text] with fg/bg"),
            ("name", "name = 5", "bad value for name in [name]: 5"),
            ("element", "[txet]\nfg = \"red\"", "unknown element [txet]"),
            ("key", "[text]\ncolour = \"red\"", "unknown key 'colour'"),
            ("colour", "[text]\nfg = \"#12345\"", "bad value for fg in [text]: #12345"),
            ("flag", "[text]\nbold = \"yes\"", "bad value for bold"),
        ]
        let library = ThemeLibrary(directories: [dir])
        for (name, text, expected) in cases {
            try Data(text.utf8).write(to: dir.appendingPathComponent(name + ".toml"))
            let (theme, warning) = library.load(name)
            #expect(theme == Theme.builtIn)
            let w = try #require(warning, "\(name) should warn")
            #expect(w.contains(expected), "\(w)")
            #expect(w.contains("using the default theme"))
        }
        let (missing, warning) = library.load("nope")
        #expect(missing == Theme.builtIn)
        #expect(warning?.hasPrefix("theme nope was not found") == true)
        let (byPath, pathWarning) = library.load(dir.appendingPathComponent("element.toml").path)
        #expect(byPath == Theme.builtIn)
        #expect(pathWarning?.contains("element.toml") == true)
    }

    @Test func colourParsing() {
        #expect(ThemeColor(parsing: "default") == .terminalDefault)
        #expect(ThemeColor(parsing: "Bright-Blue") == .ansi(12))
        #expect(ThemeColor(parsing: "grey") == .ansi(8))
        #expect(ThemeColor(parsing: "#ff8000") == .rgb(RGB(255, 128, 0)))
        #expect(ThemeColor(parsing: "7") == .ansi(7))
        #expect(ThemeColor(parsing: "208") == .indexed(208))
        #expect(ThemeColor(parsing: "256") == nil)
        #expect(ThemeColor(parsing: "#ggg000") == nil)
        #expect(ThemeColor(parsing: "mauve") == nil)
    }

    @Test func coloursDegradeWithTheTerminal() {
        let orange = ThemeColor.rgb(RGB(255, 135, 0))
        #expect(orange.resolved(colors: 256).number == Int(Palette256.index(RGB(255, 135, 0))))
        #expect(orange.resolved(colors: 16).number == 3)  // nearest of xterm's 16 is yellow (205,205,0)
        #expect(orange.resolved(colors: 8) == (3, false))
        #expect(ThemeColor.rgb(RGB(255, 255, 90)).resolved(colors: 16) == (11, false))
        #expect(ThemeColor.rgb(RGB(255, 255, 90)).resolved(colors: 8) == (3, true))  // bright → bold
        #expect(ThemeColor.ansi(12).resolved(colors: 8) == (4, true))
        #expect(ThemeColor.ansi(12).resolved(colors: 16) == (12, false))
        #expect(ThemeColor.rgb(RGB(0, 0, 0)).resolved(colors: 16).number == 0)
        #expect(ThemeColor.rgb(RGB(250, 250, 250)).resolved(colors: 16).number == 15)
        #expect(ThemeColor.terminalDefault.resolved(colors: 256).number == -1)
    }

    @Test func noColourTerminalsKeepFocusVisible() {
        let theme = Theme.builtIn
        let focus = theme.resolved(.focus, colors: 0)
        #expect(focus.foreground == -1 && focus.background == -1)
        #expect(focus.reverse)
        #expect(theme.resolved(.selection, colors: 2).reverse)
        #expect(!theme.resolved(.text, colors: 0).reverse)
    }

    @Test func sameColourAfterDegradingFallsBackToReverse() throws {
        // Two greys that both become ANSI black on 8 colours would hide the text.
        let theme = try Theme(toml: "[text]\nfg = \"#101010\"\nbg = \"#202020\"", name: "t")
        let s = theme.resolved(.text, colors: 8)
        #expect(s.background == -1)
        #expect(s.reverse)
    }

    /// On 8 colours a grey that would become bold black on a black bar is drawn in white (not
    /// every terminal brightens bold), and black text is not made bold (which would draw it grey
    /// on a light bar).
    @Test func eightColourTerminalsKeepBarsReadable() throws {
        let footer = Theme.builtIn.resolved(.footer, colors: 8)
        #expect(!footer.reverse && footer.foreground == 7 && footer.background == 0)
        let highContrast = try ThemeLibrary(directories: [Self.themesFolder]).theme("high-contrast")
        let title = highContrast.resolved(.title, colors: 8)
        #expect(title.foreground == 0 && title.background == 7 && !title.bold)
        #expect(highContrast.resolved(.title, colors: 256).bold)
    }
}
