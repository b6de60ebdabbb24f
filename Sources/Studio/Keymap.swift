/// Every key of the studio, in one table: key handling looks keys up here
/// (`action(for:in:)`), and the footer, the F1 help and the README's keys table
/// (`markdownTable`) are made from it.
///
/// Within a context the first binding that takes a key wins, so wildcards (`anyCharacter`,
/// `anyKey`) come after the keys they leave to others. Bindings are listed in the order the
/// footer and help show them.
public enum Keymap {
    public static let bindings: [KeyBinding] = [
        // The main screen, whichever field has the focus.
        KeyBinding([.enter], .generate, in: [.main], footer: "generate", "generate an image with these settings"),
        KeyBinding([.escape], .cancel, in: [.main], footer: "cancel", "cancel the running generation / a field edit"),
        KeyBinding(pairs: [(.tab, .edit(.nextField)), (.backTab, .edit(.previousField))], in: [.main], footer: "next field",
                   "next / previous field"),
        KeyBinding([.function(1)], .showHelp, in: [.main], footer: "help", inHelp: false, "help: the main screen's keys"),
        KeyBinding([.control("q"), .function(10), .control("c")], .quit, in: [.main, .lists, .modelPath, .help, .sweep, .grid], footer: "quit",
                   "quit (asks if a favorite was not saved)"),
        KeyBinding([.control("s")], .saveFavorite, in: [.main], footer: "save", "save the current image as a favorite"),
        KeyBinding([.control("f"), .function(3)], .toggleFavorites, in: [.main, .lists], footer: "favorites",
                   "favorites (Enter restores, Del removes)"),
        KeyBinding([.control("p"), .function(2)], .toggleHistory, in: [.main, .lists], footer: "history", "history of this session"),
        KeyBinding([.control("o"), .function(4)], .toggleModels, in: [.main, .lists, .modelPath], footer: "model",
                   "open a model (recent ones, or type a path)"),
        KeyBinding([.control("r")], .edit(.randomSeed), in: [.main], footer: "seed", "new random seed"),
        KeyBinding([.control("e")], .export, in: [.main], footer: "export", "export the current image as PNG"),
        KeyBinding([.control("t")], .cycleTheme, in: [.main], footer: "theme", "cycle themes"),
        KeyBinding([.control("g")], .edit(.toggleLive), in: [.main], "live re-generation on / off"),
        KeyBinding([.control("l")], .redraw, in: [.main], inHelp: false, "redraw the screen"),
        KeyBinding([.control("d")], .decodeStep, in: [.main],
                   "decode the step shown with the VAE (slow)"),
        KeyBinding(pairs: [(.shiftLeft, .scrubBack), (.shiftRight, .scrubForward)], in: [.main],
                   "scrub the last run's steps, from anywhere"),
        KeyBinding(pairs: [(.control("n"), .branchFromStep), (.control("x"), .openGrid)], in: [.main], footer: "branch",
                   "branch from the step shown / X/Y grid"),

        // A settings field.
        KeyBinding(pairs: [(.character("+"), .edit(.stepUp)), (.character("-"), .edit(.stepDown)), (.up, .edit(.stepUp)),
                           (.down, .edit(.stepDown)), (.character("="), .edit(.stepUp)), (.character("_"), .edit(.stepDown))],
                   in: [.settings], "step the focused setting (or type a number)"),
        KeyBinding(pairs: [(.left, .scrubBack), (.right, .scrubForward)], in: [.settings],
                   "scrub the last run's steps (in the settings)"),
        KeyBinding([.backspace], .edit(.eraseDigit), in: [.settings], inHelp: false, "edit the number"),
        KeyBinding(.anyCharacter, .edit(.typeIntoSetting), in: [.settings], "type a number (Space: the next choice)"),

        // The prompt editors.
        KeyBinding([.alt("\n"), .alt("\r")], .edit(.newLine), in: [.text], "new line in the prompt"),
        KeyBinding(pairs: [(.control("w"), .edit(.deleteWordBackward)), (.control("u"), .edit(.deleteToLineStart)),
                           (.control("k"), .edit(.deleteToLineEnd))], in: [.text], "delete word / to line start / to end"),
        KeyBinding([.altBackspace], .edit(.deleteWordBackward), in: [.text], inHelp: false, "delete the word before the cursor"),
        KeyBinding([.alt("d")], .edit(.deleteWordForward), in: [.text], inHelp: false, "delete the word after the cursor"),
        KeyBinding([.backspace], .edit(.deleteBackward), in: [.text], inHelp: false, "delete the character before the cursor"),
        KeyBinding([.delete], .edit(.deleteForward), in: [.text], inHelp: false, "delete the character under the cursor"),
        KeyBinding(pairs: [(.left, .edit(.cursorLeft)), (.right, .edit(.cursorRight))], in: [.text], inHelp: false,
                   "move the cursor"),
        KeyBinding(pairs: [(.wordLeft, .edit(.wordLeft)), (.wordRight, .edit(.wordRight)), (.alt("b"), .edit(.wordLeft)),
                           (.alt("f"), .edit(.wordRight))], in: [.text], inHelp: false, "move by words"),
        KeyBinding(pairs: [(.home, .edit(.lineStart)), (.control("a"), .edit(.lineStart)), (.end, .edit(.lineEnd))],
                   in: [.text], inHelp: false, "start / end of the line"),
        KeyBinding(pairs: [(.pageUp, .edit(.textStart)), (.pageDown, .edit(.textEnd))], in: [.text], inHelp: false,
                   "start / end of the text"),
        KeyBinding(pairs: [(.up, .edit(.lineUp)), (.down, .edit(.lineDown))], in: [.text], inHelp: false,
                   "line up / down (past the first or last line: the field above / below)"),
        KeyBinding(.anyCharacter, .edit(.insertText), in: [.text], "type (pasted text too; new lines only in the prompt)"),

        // The model list (before the other lists' keys, which it shares).
        KeyBinding([.enter], .openSelectedModel, in: [.models, .modelPath], footer: "load",
                   "load the selected model, or the file or folder typed on the last line"),
        KeyBinding(pairs: [(.up, .selectPrevious), (.down, .selectNext)], in: [.modelPath], footer: "select", inHelp: false,
                   "select (the prompt editors' keys edit the path)"),
        KeyBinding([.escape], .closeList, in: [.modelPath], footer: "close", inHelp: false, "close the list"),

        // The favorites, history and model lists.
        KeyBinding(pairs: [(.up, .selectPrevious), (.down, .selectNext), (.character("k"), .selectPrevious),
                           (.character("j"), .selectNext)], in: [.lists], footer: "select", "select"),
        KeyBinding(pairs: [(.pageUp, .selectFirst), (.home, .selectFirst), (.pageDown, .selectLast), (.end, .selectLast)],
                   in: [.lists], "first / last entry"),
        KeyBinding([.enter], .restoreSelected, in: [.lists], footer: "restore",
                   "restore the entry's settings (seed mode fixed, so Enter makes it again)"),
        KeyBinding([.delete, .backspace], .removeSelected, in: [.favorites], footer: "remove", "remove the favorite (asks first)"),
        KeyBinding([.escape, .character("q"), .function(1)], .closeList, in: [.lists], footer: "close", "close the list"),

        // The sweep editor (the prompt editors' keys edit its fields).
        KeyBinding([.enter], .startGrid, in: [.sweep], footer: "make the grid", "make the grid"),
        KeyBinding(pairs: [(.tab, .edit(.nextField)), (.backTab, .edit(.previousField)), (.up, .edit(.lineUp)),
                           (.down, .edit(.lineDown))], in: [.sweep], footer: "other axis", "the X / Y axis"),
        KeyBinding([.escape], .closeSweep, in: [.sweep], footer: "close", "close the sweep editor"),

        // The X/Y grid.
        KeyBinding(pairs: [(.left, .moveCell(dx: -1, dy: 0)), (.right, .moveCell(dx: 1, dy: 0)), (.up, .moveCell(dx: 0, dy: -1)),
                           (.down, .moveCell(dx: 0, dy: 1))], in: [.grid], footer: "select", "select a cell"),
        KeyBinding([.enter], .toggleCell, in: [.grid], footer: "open", "the selected cell full size / the sheet"),
        KeyBinding([.control("s")], .saveFavorite, in: [.grid], footer: "favorite", "save the selected cell as a favorite"),
        KeyBinding([.control("e")], .export, in: [.grid], footer: "save sheet", "save the sheet as one PNG (the sweep in its parameters)"),
        KeyBinding([.control("x")], .editSweep, in: [.grid], footer: "sweep", "edit the sweep"),
        KeyBinding([.escape, .character("q")], .closeGrid, in: [.grid], footer: "close", "cancel the running grid, else close it"),

        // Overlays.
        KeyBinding(.anyKey, .closeHelp, in: [.help], "close the help"),
        KeyBinding([.character("y"), .character("Y")], .confirmRemoval, in: [.removeQuestion], "remove the favorite"),
        KeyBinding(.anyKey, .keepFavorite, in: [.removeQuestion], "keep it"),
        KeyBinding([.character("y"), .character("Y"), .control("q"), .control("c"), .function(10)], .quitAnyway,
                   in: [.quitQuestion], "quit; the favorites not on disk are lost"),
        KeyBinding(.anyKey, .stayOpen, in: [.quitQuestion], "stay"),
    ]

    /// The action `key` triggers where `contexts` apply (most specific first), or nil when no
    /// binding takes it.
    public static func action(for key: Key, in contexts: [KeyContext]) -> StudioAction? {
        for context in contexts {
            for binding in bindings where binding.contexts.contains(context) {
                if let action = binding.action(for: key) { return action }
            }
        }
        return nil
    }

    /// The footer's (or a list's hint line's) keys and labels for bindings first shown in
    /// `contexts`, in keymap order.
    /// A key already listed is not listed again (the model list's Enter loads; the other
    /// lists' Enter, which it shadows, is not shown there).
    public static func footer(for contexts: [KeyContext]) -> [(key: String, label: String)] {
        var shown: [(key: String, label: String)] = []
        for binding in bindings {
            guard let label = binding.footer, let first = binding.contexts.first, contexts.contains(first),
                  !shown.contains(where: { $0.key == binding.footerKeys }) else { continue }
            shown.append((binding.footerKeys, label))
        }
        return shown
    }

    /// The F1 help's lines: keys, what they do, for the main screen's bindings marked `inHelp`
    /// (the help opens from there; the lists and questions show their own keys).
    public static var helpLines: [(keys: String, description: String)] {
        let mainScreen: [KeyContext] = [.main, .settings, .text]
        return bindings.filter { $0.inHelp && $0.contexts.contains(where: mainScreen.contains) }.map { ($0.keysText, $0.description) }
    }

    /// Every binding as a Markdown table (the README's keys table is this, verbatim).
    public static var markdownTable: String {
        var lines = ["| Keys | Where | What they do |", "|---|---|---|"]
        for binding in bindings {
            let keys = binding.keys.contains { $0.pattern != .anyCharacter && $0.pattern != .anyKey }
                ? binding.keyNames.map { "`\($0)`" }.joined(separator: " ")
                : binding.keyNames.joined(separator: " ")
            let places = binding.contexts.map(\.title).joined(separator: ", ")
            lines.append("| \(keys) | \(places) | \(binding.description) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The main screen's footer keys in one sentence, for `flowstudio studio --help`.
    public static var summary: String {
        footer(for: [.main]).map { "\($0.key) \($0.label)" }.joined(separator: ", ")
    }
}
