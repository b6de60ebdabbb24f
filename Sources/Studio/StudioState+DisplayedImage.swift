import FlowCore
import Imaging

/// Which picture the preview pane shows.
extension StudioState {
    /// The image the preview pane should show now, with a key that changes whenever the picture does.
    public var displayedImage: (key: String, image: RGBImage)? {
        let selection = overlay.listSelection
        switch overlay.mode {
        case .history:
            guard library.history.indices.contains(selection) else { return nil }
            return ("history-\(library.history[selection].number)", library.history[selection].image)
        case .favorites, .confirmDelete:
            guard library.favorites.indices.contains(selection),
                  let image = library.favoriteImages[library.favorites[selection].id] else { return nil }
            return ("favorite-\(library.favorites[selection].id)", image)
        case .main, .help, .confirmQuit, .models:
            let source = editor.previewSource
            if let i = run.scrubIndex, run.frames.indices.contains(i) {
                if let decoded = run.decodedFrames[i] { return ("run\(run.id)-step\(i)-vae", decoded) }
                return ("run\(run.id)-step\(i)-\(source.rawValue)", run.frames[i].image(source))
            }
            if run.phase == .finished, let result = run.result, result.settings == run.settings {
                return ("run\(run.id)-final", result.image)
            }
            if let last = run.frames.last {
                if let decoded = run.decodedFrames[run.frames.count - 1] {
                    return ("run\(run.id)-step\(run.frames.count - 1)-vae", decoded)
                }
                return ("run\(run.id)-step\(run.frames.count - 1)-\(source.rawValue)", last.image(source))
            }
            if let result = run.result { return ("result-\(result.settings.seed)-\(result.seconds)", result.image) }
            return nil
        }
    }
}
