/// What covers the main screen: the help, a list (favorites, history or models) with its selection, or a
/// question. Its steps only move between these; what opening or answering one does to the rest
/// of the studio is `StudioState`'s.
public struct OverlayState: Sendable {
    /// What fills the screen.
    public enum Mode: Equatable, Sendable {
        case main
        case help
        case history
        case favorites
        /// The model list (`ModelListState`).
        case models
        /// Asking whether to delete the favorite at this index.
        case confirmDelete(Int)
        /// Asking whether to quit although some favorites exist only in this session.
        case confirmQuit
        /// The sweep editor (`SweepState`).
        case sweep
        /// The X/Y grid (`GridRun`): its sheet, or a cell full size.
        case grid
    }

    public var mode: Mode = .main
    /// The selected entry of the open list.
    public var listSelection = 0

    public init() {}

    /// Where keys apply now, most specific first (see `Keymap`). `textFocused`: the prompt or
    /// the negative prompt has the focus, or in the model list the path line.
    func keyContexts(textFocused: Bool) -> [KeyContext] {
        switch mode {
        case .main: [.main, textFocused ? .text : .settings]
        case .help: [.help]
        case .history: [.lists]
        case .favorites: [.favorites, .lists]
        case .models: textFocused ? [.modelPath, .text] : [.models, .lists]
        case .confirmDelete: [.removeQuestion]
        case .confirmQuit: [.quitQuestion]
        case .sweep: [.sweep, .text]
        case .grid: [.grid]
        }
    }

    /// Opens `list` (`.history` or `.favorites`), holding `count` entries: the history at its
    /// newest entry, the favorites at their first.
    mutating func open(_ list: Mode, count: Int) {
        mode = list
        listSelection = list == .history ? max(0, count - 1) : 0
    }

    /// Moves the list's selection for `action` (select previous / next / first / last) in a
    /// list of `count` entries.
    mutating func select(_ action: StudioAction, count: Int) {
        let last = max(0, count - 1)
        switch action {
        case .selectPrevious: listSelection = max(0, listSelection - 1)
        case .selectNext: listSelection = min(last, listSelection + 1)
        case .selectFirst: listSelection = 0
        case .selectLast: listSelection = last
        default: break
        }
    }

    /// Keeps the selection inside a list that now holds `count` entries.
    mutating func clampSelection(count: Int) {
        listSelection = min(listSelection, max(0, count - 1))
    }
}
