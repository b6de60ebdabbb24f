import FlowCore
import Foundation
import Generation

/// Decodes a step's predicted clean latents with the model's VAE on a background thread, so the
/// UI keeps answering keys during the tens of seconds a VAE decode takes at 512². A decode
/// cannot be interrupted: a newer request waits for the one in progress and replaces one that
/// was waiting ("latest wins"). What came of each is posted to the mailbox as
/// `StudioEvent.stepDecoded`; the state drops results of older runs.
///
/// It runs beside the generation worker: the VAE is separate from the MM-DiT and holds no
/// state between calls, so decoding while a run samples only shares the cores.
final class StepDecoder: Sendable {
    private let thread: LatestJobThread<Job>

    /// One step to decode, with the model that made it.
    struct Job: Sendable {
        let run: Int
        let step: Int
        let latents: Tensor  // [1, C, h, w]
        let generator: any ImageGenerator
    }

    init(mailbox: Mailbox) {
        thread = LatestJobThread(name: "flowstudio-decode", stackSize: 16 << 20) { job, _ in
            let start = DispatchTime.now().uptimeNanoseconds
            let outcome: StepDecodeOutcome
            do {
                if let image = try job.generator.decodeLatents(job.latents) {
                    outcome = .decoded(image, seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                } else {
                    outcome = .cannotDecode
                }
            } catch {
                outcome = .failed("\(error)")
            }
            mailbox.post(.stepDecoded(run: job.run, step: job.step, outcome: outcome))
        }
    }

    /// Starts the thread (once).
    func launch() { thread.launch() }

    /// Decodes `latents` (step `step` of run `run`) with `generator`, after the decode in progress.
    func decode(_ latents: Tensor, run: Int, step: Int, generator: any ImageGenerator) {
        thread.submit(Job(run: run, step: step, latents: latents, generator: generator))
    }

    /// Drops a waiting decode (a new run started: its result would be dropped anyway).
    func cancel() { thread.cancel() }

    /// Drops a waiting decode and ends the thread after the one in progress.
    func stop() { thread.stop() }

    /// Waits at most `timeout` seconds for the thread to end (after `stop()`); returns whether it did.
    @discardableResult
    func join(timeout: Double) -> Bool { thread.join(timeout: timeout) }
}
