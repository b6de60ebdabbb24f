import Foundation
import Testing
@testable import Studio

/// The one-place job queue both the generation worker and the preview encoder run on.
@Suite struct LatestJobThreadTests {
    /// Jobs done, in order, and whether each was asked to stop while it ran.
    final class Log: @unchecked Sendable {
        // @unchecked: guarded by `lock`.
        private let lock = NSLock()
        private var entries: [(job: Int, stopped: Bool)] = []
        func add(_ job: Int, stopped: Bool) {
            lock.lock()
            entries.append((job, stopped))
            lock.unlock()
        }
        var all: [(job: Int, stopped: Bool)] {
            lock.lock()
            defer { lock.unlock() }
            return entries
        }
    }

    @Test func aNewerJobReplacesTheWaitingOneAndStopsTheRunningOne() {
        let log = Log()
        let started = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let thread = LatestJobThread<Int>(name: "test-latest-job") { job, shouldStop in
            if job == 1 {  // a long job, running until the test has queued the next ones
                started.signal()
                release.wait()
            }
            log.add(job, stopped: shouldStop())
        }
        thread.launch()
        thread.submit(1)
        started.wait()
        thread.submit(2)
        thread.submit(3)  // replaces 2, which never starts
        release.signal()
        let deadline = Date().addingTimeInterval(10)
        while log.all.count < 2 && Date() < deadline { usleep(1000) }
        #expect(log.all.map(\.job) == [1, 3])
        #expect(log.all.map(\.stopped) == [true, false])
        thread.cancel()  // nothing running: nothing to stop, and the next job starts fresh
        thread.submit(4)
        while log.all.count < 3 && Date() < deadline { usleep(1000) }
        #expect(log.all.last.map { $0.job == 4 && !$0.stopped } == true)
        thread.stop()
        #expect(thread.join(timeout: 5))
    }
}
