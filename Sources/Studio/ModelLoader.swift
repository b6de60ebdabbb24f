import Foundation
import Generation

/// Loads models on a background thread, one at a time, so the UI keeps answering keys while a
/// large checkpoint is read (seconds to a minute). What came of each load is posted to the
/// mailbox as a `ModelListState.Event`. A load cannot be interrupted: a newer request waits for
/// the one in progress, and one that was waiting is replaced ("latest wins"); the state drops
/// answers it no longer wants.
final class ModelLoader: Sendable {
    /// Makes a model from a path (a file or folder); throws with a message that says what is wrong.
    typealias Load = @Sendable (String) throws -> any ImageGenerator

    private let thread: LatestJobThread<Job>

    struct Job: Sendable {
        let id: Int
        let path: String
    }

    init(load: @escaping Load, mailbox: Mailbox) {
        thread = LatestJobThread(name: "flowstudio-load", stackSize: 16 << 20) { job, _ in
            let start = DispatchTime.now().uptimeNanoseconds
            let event: ModelListState.Event
            do {
                let generator = try load(job.path)
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                event = .loaded(id: job.id, path: job.path, generator: generator, seconds: seconds, date: Date())
            } catch {
                event = .loadFailed(id: job.id, path: job.path, reason: "\(error)")
            }
            mailbox.post(.model(event))
        }
    }

    /// Starts the thread (once).
    func launch() { thread.launch() }

    /// Loads `path` as load `id`, after the load in progress.
    func load(_ path: String, id: Int) { thread.submit(Job(id: id, path: path)) }

    /// Drops a waiting load and ends the thread after the one in progress.
    func stop() { thread.stop() }

    /// Waits at most `timeout` seconds for the thread to end (after `stop()`); returns whether it did.
    @discardableResult
    func join(timeout: Double) -> Bool { thread.join(timeout: timeout) }
}
