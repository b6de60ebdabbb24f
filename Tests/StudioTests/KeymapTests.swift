import Foundation
import Testing
@testable import Studio

/// The one keymap: every key it lists reaches its action, and the footer, the help and the
/// README's keys table are made from it.
@Suite struct KeymapTests {
    /// The contexts a screen in `context` looks keys up in (as `OverlayState.keyContexts`).
    func lookup(_ context: KeyContext) -> [[KeyContext]] {
        switch context {
        case .main: [[.main, .text], [.main, .settings]]
        case .text: [[.main, .text]]
        case .settings: [[.main, .settings]]
        case .lists: [[.lists], [.favorites, .lists]]
        case .favorites: [[.favorites, .lists]]
        case .models: [[.models, .lists]]
        case .modelPath: [[.modelPath, .text]]
        case .help: [[.help]]
        case .removeQuestion: [[.removeQuestion]]
        case .quitQuestion: [[.quitQuestion]]
        case .sweep: [[.sweep, .text]]
        case .grid: [[.grid]]
        }
    }

    /// No binding is hidden behind another: each of its keys triggers its own action wherever
    /// it applies.
    @Test func everyBoundKeyReachesItsAction() {
        for binding in Keymap.bindings {
            for (pattern, action) in binding.keys {
                guard case let .key(key) = pattern else { continue }
                for context in binding.contexts {
                    for contexts in lookup(context) {
                        #expect(Keymap.action(for: key, in: contexts) == action, "\(key.name) in \(contexts)")
                    }
                }
            }
        }
    }

    @Test func wildcardsTakeWhatIsLeft() {
        #expect(Keymap.action(for: .character("x"), in: [.main, .text]) == .edit(.insertText))
        #expect(Keymap.action(for: .paste("a b"), in: [.main, .settings]) == .edit(.typeIntoSetting))
        #expect(Keymap.action(for: .character("7"), in: [.main, .settings]) == .edit(.typeIntoSetting))
        #expect(Keymap.action(for: .function(5), in: [.main, .text]) == nil)
        #expect(Keymap.action(for: .character("x"), in: [.help]) == .closeHelp)
        #expect(Keymap.action(for: .control("q"), in: [.help]) == .quit)
        #expect(Keymap.action(for: .control("q"), in: [.removeQuestion]) == .keepFavorite)
        #expect(Keymap.action(for: .control("q"), in: [.quitQuestion]) == .quitAnyway)
        #expect(Keymap.action(for: .delete, in: [.lists]) == nil)  // history entries are not removed
    }

    /// The footer lists the main screen's keys in order of importance, as before the keymap.
    @Test func footerAndHelpComeFromTheKeymap() {
        #expect(StudioView.footerKeys.map { "\($0.key) \($0.label)" } == [
            "Enter generate", "Esc cancel", "Tab next field", "F1 help", "^Q quit", "^S save", "^F favorites",
            "^P history", "^O model", "^R seed", "^E export", "^T theme", "^N branch",
        ])
        #expect(Keymap.footer(for: [.favorites, .lists]).map { "\($0.key) \($0.label)" }
            == ["↑↓ select", "Enter restore", "Del remove", "Esc close"])
        #expect(Keymap.footer(for: [.lists]).map { "\($0.key) \($0.label)" } == ["↑↓ select", "Enter restore", "Esc close"])
        // The model list's Enter loads (the other lists' Enter, which it shadows, is not shown).
        #expect(Keymap.footer(for: [.models, .lists]).map { "\($0.key) \($0.label)" } == ["Enter load", "↑↓ select", "Esc close"])
        #expect(Keymap.footer(for: [.models, .modelPath]).map { "\($0.key) \($0.label)" } == ["Enter load", "↑↓ select", "Esc close"])
        let help = Dictionary(StudioView.helpLines.map { ($0.keys, $0.description) }, uniquingKeysWith: { a, _ in a })
        #expect(help["Ctrl-Q / F10 / Ctrl-C"] != nil)
        #expect(help["Ctrl-O / F4"] == "open a model (recent ones, or type a path)")
        #expect(help["+ - ↑ ↓ = _"] == "step the focused setting (or type a number)")
        #expect(help["Ctrl-W / Ctrl-U / Ctrl-K"] == "delete word / to line start / to end")
        // F1 shows every line whole on an 80×24 terminal: none dropped, none cut.
        #expect(StudioView.helpLinesShown(rows: 24) >= StudioView.helpLines.count)
        #expect(StudioView.helpBoxWidths.box <= 80 - 4, "the help needs \(StudioView.helpBoxWidths.box) columns")
    }

    /// The README's key table is the generated one (`flowstudio studio --print-keymap` prints it).
    @Test func readmeHoldsTheGeneratedTable() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        #expect(text.contains(Keymap.markdownTable),
                "README.md's keys table differs from Keymap.markdownTable; replace it with `flowstudio studio --print-keymap`")
        #expect(Keymap.markdownTable.split(separator: "\n").count == Keymap.bindings.count + 2)
    }
}
