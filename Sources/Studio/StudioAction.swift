/// What a key asks the studio to do, as the `Keymap` names it. `StudioState.handle(_:now:)`
/// looks the key up in the keymap and reduces the action it finds.
public enum StudioAction: Equatable, Sendable {
    // MARK: The main screen
    /// Generate an image with the settings as they stand.
    case generate
    /// Cancel a field edit, else the running generation, else clear the status line.
    case cancel
    case quit
    case showHelp
    case saveFavorite
    case export
    /// Open the favorites list (close it when it is open).
    case toggleFavorites
    /// Open this session's history (close it when it is open).
    case toggleHistory
    /// Open the model list (close it when it is open).
    case toggleModels
    case cycleTheme
    case redraw
    /// Show the step before / after the one shown, of the last run.
    case scrubBack, scrubForward
    /// Decode the step shown (its predicted clean image) with the model's VAE, off the UI thread.
    case decodeStep
    /// Editing the prompts and the settings: `EditorState` reduces these.
    case edit(EditorAction)
    /// Branch from the step shown: continue its state with the prompt, CFG and sampler as they
    /// stand (pressed again: stop branching).
    case branchFromStep
    /// Open the sweep editor, or the last grid when there is one.
    case openGrid

    // MARK: The sweep editor and the grid
    /// Make the grid the sweep editor describes.
    case startGrid
    /// Close the sweep editor.
    case closeSweep
    /// Edit the sweep instead of showing the grid.
    case editSweep
    /// Move the grid's selection by columns and rows.
    case moveCell(dx: Int, dy: Int)
    /// Show the selected cell full size, or the sheet again.
    case toggleCell
    /// Cancel the running grid, else back to the main screen.
    case closeGrid

    // MARK: The favorites and history lists
    case selectPrevious, selectNext, selectFirst, selectLast
    /// Take over the selected entry's settings.
    case restoreSelected
    /// Ask whether to remove the selected favorite.
    case removeSelected
    case closeList
    /// Load the selected model of the model list, or the path typed on its last line.
    case openSelectedModel

    // MARK: Overlays
    case closeHelp
    /// The answers to "Remove favorite?".
    case confirmRemoval, keepFavorite
    /// The answers to "Quit?" (favorites that are not on disk would be lost).
    case quitAnyway, stayOpen
}
