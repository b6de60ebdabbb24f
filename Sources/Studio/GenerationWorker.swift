import FlowCore
import Foundation
import Generation

/// Runs generations on a background thread, one at a time. `start` replaces whatever is
/// pending and cancels the running run; the generator notices the cancellation in its
/// per-step callback and before each joint block of the step in progress. Every step and
/// the end of each run are posted to the mailbox, which wakes the UI.
///
/// Each job carries the generator it runs with, so switching models is only a matter of
/// starting the next run with the new one: the thread does one job at a time, so two
/// generators never run at once, and the old one is let go when its last run has stopped.
final class GenerationWorker: Sendable {
    private let thread: LatestJobThread<Job>

    /// One run to do.
    struct Job: Sendable {
        let settings: GenerationSettings
        let run: Int
        let generator: any ImageGenerator
        /// A branch's parent state after `settings.branchStep` steps (nil: sample every step).
        let resume: Tensor?
    }

    init(mailbox: Mailbox) {
        thread = LatestJobThread(name: "flowstudio-generate", stackSize: 16 << 20) { job, shouldStop in
            Self.run(job, mailbox: mailbox, shouldStop: shouldStop)
        }
    }

    /// Starts the thread (once).
    func launch() { thread.launch() }

    /// Runs `settings` with `generator` as run `run` as soon as the current run has stopped.
    /// A branch continues from `resume` (its parent's state at the branch point) when given.
    func start(_ settings: GenerationSettings, run: Int, generator: any ImageGenerator, resume: Tensor? = nil) {
        thread.submit(Job(settings: settings, run: run, generator: generator, resume: resume))
    }

    /// Cancels the running run and drops any pending one.
    func cancel() { thread.cancel() }

    /// Cancels everything and ends the thread after the current step.
    func stop() { thread.stop() }

    /// Waits until the thread has ended (after `stop()`), at most `timeout` seconds; returns
    /// whether it did. The process must not exit while a step is running: tearing down the
    /// process under a running forward crashes.
    @discardableResult
    func join(timeout: Double) -> Bool { thread.join(timeout: timeout) }

    /// One run: every step and its end go to the mailbox; the run stops within the joint block
    /// in progress once `shouldStop` says so.
    private static func run(_ job: Job, mailbox: Mailbox, shouldStop: () -> Bool) {
        var stepsDone = 0
        let event: WorkerEvent.Kind
        do {
            let result = try job.generator.generate(job.settings, resumingFrom: job.resume, interrupt: shouldStop) { progress in
                stepsDone = progress.step + 1
                mailbox.post(WorkerEvent(run: job.run, kind: .step(progress)))
                return !shouldStop()
            }
            if let result {
                event = .finished(result)
            } else {
                event = .cancelled(stepsDone: stepsDone)
            }
        } catch {
            event = .failed("\(error)")
        }
        mailbox.post(WorkerEvent(run: job.run, kind: event))
    }
}
