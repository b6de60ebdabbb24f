import Generation

/// What the controller does after a key or an event: the state model itself does no I/O. What
/// comes of an effect returns as a `StudioEvent`.
public enum StudioEffect: Equatable, Sendable {
    /// Start run `run` with these settings (cancelling any running one).
    case generate(GenerationSettings, run: Int)
    /// Cancel the running generation.
    case cancel
    /// Save the newest finished image as a favorite (→ `.favoriteSaved` or `.favoriteFailed`).
    case saveFavorite
    /// Write the newest finished image to the outputs folder (→ `.exported` or `.exportFailed`).
    case export
    /// Remove this favorite from the file (→ `.favoriteRemoved` or `.favoriteRemovalFailed`).
    case deleteFavorite(String)
    /// Read this favorite's PNG (→ `.favoriteImageLoaded` or `.favoriteImageUnreadable`).
    case loadFavoriteImage(String)
    /// Show the next theme (→ `.themeChanged`).
    case cycleTheme
    /// Clear and redraw the whole screen (and re-send the image).
    case repaint
    case quit
}
