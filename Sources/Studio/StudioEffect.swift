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
    /// Save (`favorite`) or export step `step` (an index into the frames) of run `run` as the
    /// VAE decoded it, its parameters saying which step it is (→ the same events as
    /// `.saveFavorite` / `.export`).
    case saveDecodedStep(run: Int, step: Int, favorite: Bool)
    /// Remove this favorite from the file (→ `.favoriteRemoved` or `.favoriteRemovalFailed`).
    case deleteFavorite(String)
    /// Read this favorite's PNG (→ `.favoriteImageLoaded` or `.favoriteImageUnreadable`).
    case loadFavoriteImage(String)
    /// Load the model at `path` off the UI thread as load `id` (→ `.model(.loaded)` or
    /// `.model(.loadFailed)`).
    case loadModel(path: String, id: Int)
    /// Make the model of load `id` (which has arrived) the one the worker runs, for the runs
    /// that start from now on.
    case useModel(id: Int)
    /// Put this model at the top of `models.json` (→ `.model(.recentSaved)` or
    /// `.model(.recentNotSaved)`).
    case recordRecentModel(path: String, name: String, summary: String)
    /// Show the next theme (→ `.themeChanged`).
    case cycleTheme
    /// Decode step `step` (an index into the run's frames) of run `run` with the model that made
    /// it, off the UI thread (→ `.stepDecoded`); replaces a decode still waiting.
    case decodeStep(run: Int, step: Int)
    /// Save the grid's cell `index` as a favorite (→ the events of `.saveFavorite`).
    case saveGridCell(Int)
    /// Write the grid's sheet to the outputs folder, the sweep in its parameters (→ `.exported`
    /// or `.exportFailed`).
    case saveGridSheet
    /// Clear and redraw the whole screen (and re-send the image).
    case repaint
    case quit
}
