import CNcurses
import Foundation

/// A background thread that does one job at a time from a one-place queue: a job submitted
/// while another waits replaces it ("latest wins"), and the running job is asked to stop (its
/// work checks when it can). Both the generation worker and the preview encoder run on
/// one of these.
final class LatestJobThread<Job: Sendable>: @unchecked Sendable {
    // @unchecked: mutable state is guarded by `condition`; `work` runs on the thread only.
    private let condition = NSCondition()
    private var pending: Job?
    private var busy = false
    private var stopRequested = false
    private var stopped = false
    private let name: String
    private let stackSize: Int?
    private let work: (Job, _ shouldStop: () -> Bool) -> Void
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    /// `work` does one job on the thread named `name`; `shouldStop` says whether the job has
    /// been asked to stop (by a newer job, `cancel` or `stop`).
    init(name: String, stackSize: Int? = nil, work: @escaping (Job, _ shouldStop: () -> Bool) -> Void) {
        self.name = name
        self.stackSize = stackSize
        self.work = work
    }

    /// Starts the thread (once). It blocks SIGWINCH, which the UI thread must receive.
    func launch() {
        let thread = Thread { [self] in
            cn_block_sigwinch()
            loop()
            finished.signal()
        }
        thread.name = name
        if let stackSize { thread.stackSize = stackSize }
        self.thread = thread
        thread.start()
    }

    /// Queues `job` in place of any job still waiting, and asks the running one to stop.
    func submit(_ job: Job) {
        condition.lock()
        pending = job
        if busy { stopRequested = true }
        condition.signal()
        condition.unlock()
    }

    /// Drops the waiting job and asks the running one to stop.
    func cancel() {
        condition.lock()
        pending = nil
        if busy { stopRequested = true }
        condition.unlock()
    }

    /// Drops the waiting job, asks the running one to stop, and ends the thread after it.
    func stop() {
        condition.lock()
        stopped = true
        pending = nil
        stopRequested = true
        condition.signal()
        condition.unlock()
    }

    /// Waits until the thread has ended (after `stop()`), at most `timeout` seconds; returns
    /// whether it did.
    @discardableResult
    func join(timeout: Double) -> Bool {
        guard thread != nil else { return true }
        return finished.wait(timeout: .now() + timeout) == .success
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
            busy = true
            stopRequested = false
            condition.unlock()

            work(job) { [self] in
                condition.lock()
                defer { condition.unlock() }
                return stopRequested
            }

            condition.lock()
            busy = false
            condition.unlock()
        }
    }
}
