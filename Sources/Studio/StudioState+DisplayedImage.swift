import FlowCore
import Imaging

/// Which picture the preview pane shows.
extension StudioState {
    /// The step (an index into the run's frames) whose VAE decode the preview pane shows, if it
    /// shows one: what Ctrl-S and Ctrl-E then save.
    public var displayedDecodedStep: Int? {
        switch overlay.mode {
        case .grid:
            return nil
        case .main, .help, .confirmQuit, .models, .sweep:
            if let i = run.scrubIndex, run.frames.indices.contains(i) { return run.decodedFrames[i] != nil ? i : nil }
            if run.phase == .finished, let result = run.result, result.settings == run.settings { return nil }
            let last = run.frames.count - 1
            return last >= 0 && run.decodedFrames[last] != nil ? last : nil
        case .history, .favorites, .confirmDelete:
            return nil
        }
    }

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
        case .grid:
            return grid?.displayed
        case .main, .help, .confirmQuit, .models, .sweep:
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
