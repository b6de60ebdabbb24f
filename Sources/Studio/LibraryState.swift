import FlowCore
import Foundation
import Generation
import Imaging

/// This session's history and the favorites (with what of them is only in this session), and
/// the favorites' PNGs loaded so far. The controller reads and writes the favorites file; what
/// came of it arrives as an `Event`, which `reduce` folds in.
public struct LibraryState: Sendable {
    /// One generation per finished run of this session.
    public var history: [HistoryEntry] = []
    public var favorites: [FavoriteEntry] = []
    /// Favorites that could not be written to the data folder: they live only in this session,
    /// so quitting asks first.
    public var unsavedFavoriteIDs: Set<String> = []
    /// Favorites removed in this session whose removal could not be written yet (the next
    /// successful write of the list drops them).
    public var unsavedRemovalIDs: Set<String> = []
    /// PNGs of favorites, loaded on demand by the controller.
    public var favoriteImages: [String: RGBImage] = [:]

    /// What came of writing or reading the favorites.
    public enum Event: Sendable {
        /// The favorites file now holds `entries` (the new one last, its PNG at `file`).
        case favoriteSaved(entries: [FavoriteEntry], file: String, warning: String?)
        /// The favorite could not be written: it is kept for this session only.
        case favoriteFailed(FavoriteEntry, image: RGBImage, reason: String)
        /// The favorites file now holds `entries` (without `id`); its PNG stays in `folder`.
        case favoriteRemoved(id: String, entries: [FavoriteEntry], folder: String, warning: String?)
        /// The removal could not be written: the favorite is gone for this session only.
        case favoriteRemovalFailed(id: String, reason: String)
        case favoriteImageLoaded(id: String, image: RGBImage)
        case favoriteImageUnreadable(id: String, path: String?)
    }

    public init(favorites: [FavoriteEntry] = []) {
        self.favorites = favorites
    }

    /// Adds a finished run to the history (`parent`: the number of the run a branch continues).
    mutating func record(_ result: GenerationResult, parent: Int? = nil) {
        history.append(HistoryEntry(number: (history.last?.number ?? 0) + 1, settings: result.settings,
                                    image: result.image, seconds: result.seconds, created: Date(), parent: parent))
    }

    /// Folds in what came of writing or reading the favorites.
    mutating func reduce(_ event: Event, status: inout StatusMessage?) {
        switch event {
        case let .favoriteSaved(entries, file, warning):
            favorites = entries
            unsavedFavoriteIDs = []  // the list on disk now holds every one (earlier ones without their PNG)
            unsavedRemovalIDs = []
            let step = entries.last.flatMap { entry in entry.decodedStep.map { " (step \($0) of \(entry.settings.steps), decoded with the VAE)" } }
            let done = "saved favorite\(step ?? "") → \(file)"
            status = warning.map { .warning(done + "; " + $0) } ?? .info(done)
        case let .favoriteFailed(entry, image, reason):
            // Nothing lost: keep it in this session's list.
            favorites.append(entry)
            favoriteImages[entry.id] = image
            unsavedFavoriteIDs.insert(entry.id)
            status = .error("favorite not saved to disk, kept for this session only: \(reason)")
        case let .favoriteRemoved(_, entries, folder, warning):
            favorites = entries
            unsavedFavoriteIDs = []  // the list on disk now holds every one
            unsavedRemovalIDs = []
            let done = "removed the favorite (its PNG stays in \(folder))"
            status = warning.map { .warning(done + "; " + $0) } ?? .info(done)
        case let .favoriteRemovalFailed(id, reason):
            favorites.removeAll { $0.id == id }
            unsavedRemovalIDs.insert(id)
            status = .error("\(reason); removed for this session only")
            unsavedFavoriteIDs.remove(id)
        case let .favoriteImageLoaded(id, image):
            favoriteImages[id] = image
        case let .favoriteImageUnreadable(_, path):
            status = .warning("the favorite's image \(path ?? "(none)") cannot be read; its settings can still be restored")
        }
    }
}
