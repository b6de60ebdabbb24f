import Generation

/// What the controller does after a key: the state model itself does no I/O.
public enum StudioEffect: Equatable, Sendable {
    /// Start run `run` with these settings (cancelling any running one).
    case generate(GenerationSettings, run: Int)
    /// Cancel the running generation.
    case cancel
    case saveFavorite
    case export
    case deleteFavorite(String)
    case loadFavoriteImage(String)
    case cycleTheme
    /// Clear and redraw the whole screen (and re-send the image).
    case repaint
    case quit
}
