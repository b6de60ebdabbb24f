import CNcurses
import Foundation
import Generation

/// Runs generations on a background thread, one at a time. `start` replaces whatever is
/// pending and cancels the running run; the sampler's per-step callback is where the
/// cancellation is noticed (the run stops after the step in progress). Every step and the
/// end of each run are posted to the mailbox, which wakes the UI.
final class GenerationWorker: @unchecked Sendable {
    // @unchecked: mutable state is guarded by `condition`; `generator` is Sendable.
    private let condition = NSCondition()
    private var pending: (settings: GenerationSettings, run: Int)?
    private var runningRun: Int?
    private var cancelRequested = false
    private var stopped = false
    private let generator: any ImageGenerator
    private let mailbox: Mailbox
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    init(generator: any ImageGenerator, mailbox: Mailbox) {
        self.generator = generator
        self.mailbox = mailbox
    }

    /// Starts the thread (once).
    func launch() {
        let thread = Thread { [self] in
            cn_block_sigwinch()
            loop()
            finished.signal()
        }
        thread.name = "flowstudio-generate"
        thread.stackSize = 16 << 20
        self.thread = thread
        thread.start()
    }

    /// Runs `settings` as run `run` as soon as the current one has stopped.
    func start(_ settings: GenerationSettings, run: Int) {
        condition.lock()
        pending = (settings, run)
        if runningRun != nil { cancelRequested = true }
        condition.signal()
        condition.unlock()
    }

    /// Cancels the running run and drops any pending one.
    func cancel() {
        condition.lock()
        pending = nil
        if runningRun != nil { cancelRequested = true }
        condition.unlock()
    }

    /// Cancels everything and ends the thread after the current step.
    func stop() {
        condition.lock()
        stopped = true
        pending = nil
        cancelRequested = true
        condition.signal()
        condition.unlock()
    }

    /// Waits until the thread has ended (after `stop()`), at most `timeout` seconds; returns
    /// whether it did. The process must not exit while a step is running: tearing down the
    /// process under a running forward crashes.
    @discardableResult
    func join(timeout: Double) -> Bool {
        guard thread != nil else { return true }
        return finished.wait(timeout: .now() + timeout) == .success
    }

    /// Whether a run is in progress.
    var isBusy: Bool {
        condition.lock()
        defer { condition.unlock() }
        return runningRun != nil || pending != nil
    }

    private func loop() {
        while true {
            condition.lock()
            while pending == nil && !stopped { condition.wait() }
            if stopped {
                condition.unlock()
                return
            }
            let job = pending!
            pending = nil
            runningRun = job.run
            cancelRequested = false
            condition.unlock()

            var stepsDone = 0
            let event: WorkerEvent.Kind
            do {
                let result = try generator.generate(job.settings) { progress in
                    stepsDone = progress.step + 1
                    mailbox.post(WorkerEvent(run: job.run, kind: .step(progress)))
                    condition.lock()
                    defer { condition.unlock() }
                    return !cancelRequested
                }
                if let result {
                    event = .finished(result)
                } else {
                    event = .cancelled(stepsDone: stepsDone)
                }
            } catch {
                event = .failed("\(error)")
            }
            condition.lock()
            runningRun = nil
            condition.unlock()
            mailbox.post(WorkerEvent(run: job.run, kind: event))
        }
    }
}
