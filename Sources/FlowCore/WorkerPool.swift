#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import Synchronization

/// The threads behind `Parallel`: `threadCount − 1` workers that stay awake (spinning) for a
/// short while after each job and sleep on a semaphore after that. A forward issues around a
/// hundred short parallel loops; waking a sleeping thread costs 10–50 µs each time, which on a
/// small model is a large part of the run. The calling thread takes tasks too.
///
/// One job at a time: a caller that finds the pool busy (another thread is running a job)
/// falls back to `DispatchQueue.concurrentPerform`.
final class WorkerPool: @unchecked Sendable {
    // @unchecked: `body` and `taskCount` are written by the caller that holds `busy`, before
    // `generation` is bumped (release), and read by workers after they see it (acquire).
    /// Threads taking part in a job, the caller included.
    let threads: Int
    private let workers: Int
    private let busy = Atomic<Bool>(false)
    private let generation = Atomic<Int>(0)
    private let nextTask = Atomic<Int>(0)
    private let finishedTasks = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    /// True while the current job may be worked on; workers check it after announcing themselves.
    private let jobOpen = Atomic<Bool>(false)
    /// Workers inside `work()`: the caller waits for zero before it lets go of `body`.
    private let active = Atomic<Int>(0)
    private let wake = DispatchSemaphore(value: 0)
    private nonisolated(unsafe) var body: ((Int) -> Void)?
    private nonisolated(unsafe) var taskCount = 0
    /// How long an idle worker polls for the next job before it sleeps.
    private static let spinIterations = 20_000

    init(threads: Int) {
        self.threads = max(1, threads)
        workers = self.threads - 1
        for index in 0..<workers {
            let thread = Thread { [self] in workerLoop() }
            thread.name = "flowstudio-worker-\(index)"
            thread.start()
        }
    }

    /// Runs `body(0..<tasks)` on the pool and the calling thread; returns when all are done.
    /// Returns false (running nothing) when the pool is busy with another caller's job.
    func run(tasks: Int, _ body: (Int) -> Void) -> Bool {
        guard workers > 0, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return false
        }
        defer { busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { body in
            self.body = body
            taskCount = tasks
            nextTask.store(0, ordering: .relaxed)
            finishedTasks.store(0, ordering: .relaxed)
            jobOpen.store(true, ordering: .sequentiallyConsistent)
            generation.add(1, ordering: .sequentiallyConsistent)
            for _ in 0..<min(sleepers.load(ordering: .sequentiallyConsistent), workers) { wake.signal() }
            work()
            while finishedTasks.load(ordering: .acquiring) < tasks {}
            // No worker may still hold `body` when this call returns (it is only borrowed).
            jobOpen.store(false, ordering: .sequentiallyConsistent)
            while active.load(ordering: .sequentiallyConsistent) > 0 {}
            self.body = nil
        }
        return true
    }

    /// Claims and runs tasks of the current job until none are left.
    private func work() {
        guard let body else { return }
        let count = taskCount
        while true {
            let task = nextTask.add(1, ordering: .relaxed).oldValue
            if task >= count { return }
            body(task)
            finishedTasks.add(1, ordering: .releasing)
        }
    }

    private func workerLoop() {
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins < Self.spinIterations { continue }
                // Sleep; re-check after announcing it so a job posted meanwhile is not missed.
                sleepers.add(1, ordering: .sequentiallyConsistent)
                if generation.load(ordering: .sequentiallyConsistent) == seen { wake.wait() }
                sleepers.subtract(1, ordering: .sequentiallyConsistent)
                spins = 0
            }
            seen = generation.load(ordering: .acquiring)
            active.add(1, ordering: .sequentiallyConsistent)
            if jobOpen.load(ordering: .sequentiallyConsistent) && generation.load(ordering: .sequentiallyConsistent) == seen {
                Parallel.markedInside { work() }
            }
            active.subtract(1, ordering: .sequentiallyConsistent)
        }
    }
}
