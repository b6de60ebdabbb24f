import FlowCore
import Foundation
import Generation
import Imaging
import RectifiedFlow

/// What the worker reports, and which picture the preview pane shows.
extension StudioState {
    // MARK: - Worker reports

    /// Folds a worker report into the state.
    public mutating func apply(_ event: WorkerEvent, now: Double) {
        guard event.run == runID else { return }  // a cancelled, superseded run
        switch event.kind {
        case let .step(progress):
            frames.append(progress)
        case let .finished(result):
            self.result = result
            runPhase = .finished
            scrubIndex = nil
            history.append(HistoryEntry(number: (history.last?.number ?? 0) + 1, settings: result.settings,
                                        image: result.image, seconds: result.seconds, created: Date()))
            if seedMode == .increment { seed = result.settings.seed &+ 1 }
            var text = String(format: "done in %.2fs", result.seconds)
            text += " (\(result.settings.steps) steps, seed \(result.settings.seed))"
            if let note = runNote { text += "; " + note }
            if live && result.seconds > liveMaxSeconds {
                live = false
                text += "; live re-generation is off for a model this slow (Ctrl-G turns it on)"
            }
            message = .done(text)
        case let .cancelled(stepsDone):
            runPhase = .cancelled
            if liveDeadline == nil { message = .info("cancelled after \(stepsDone) of \(runSettings?.steps ?? 0) steps") }
        case let .failed(why):
            runPhase = .failed
            message = .error("generation failed: \(why)")
        }
    }

    /// The image the preview pane should show now, with a key that changes whenever the picture does.
    public var displayedImage: (key: String, image: RGBImage)? {
        switch mode {
        case .history:
            guard history.indices.contains(listSelection) else { return nil }
            return ("history-\(history[listSelection].number)", history[listSelection].image)
        case .favorites, .confirmDelete:
            guard favorites.indices.contains(listSelection),
                  let image = favoriteImages[favorites[listSelection].id] else { return nil }
            return ("favorite-\(favorites[listSelection].id)", image)
        case .main, .help, .confirmQuit:
            if let i = scrubIndex, frames.indices.contains(i) {
                return ("run\(runID)-step\(i)-\(previewSource.rawValue)", frames[i].image(previewSource))
            }
            if runPhase == .finished, let result, result.settings == runSettings {
                return ("run\(runID)-final", result.image)
            }
            if let last = frames.last {
                return ("run\(runID)-step\(frames.count - 1)-\(previewSource.rawValue)", last.image(previewSource))
            }
            if let result { return ("result-\(result.settings.seed)-\(result.seconds)", result.image) }
            return nil
        }
    }
}
