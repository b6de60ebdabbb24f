import Foundation
import Testing

/// Runs `body`, which must not open the FIFO at `fifo` and wait. If it is still running after
/// 5 seconds, a watchdog opens the FIFO's other end and closes it, so a blocked open returns and
/// the test fails (an issue is recorded) instead of hanging.
public func withFIFOWatchdog<T>(_ fifo: String, _ body: () throws -> T) rethrows -> T {
    let state = WatchdogState()
    let start = Date()
    DispatchQueue.global().asyncAfter(deadline: .now() + 5) {
        state.lock.lock()
        let stillRunning = !state.done
        if stillRunning { state.fired = true }
        state.lock.unlock()
        guard stillRunning else { return }
        // Both ends: pairs with a blocked reader or a blocked writer.
        let fd = open(fifo, O_RDWR | O_NONBLOCK)
        if fd >= 0 { close(fd) }
    }
    defer {
        state.lock.lock()
        state.done = true
        let fired = state.fired
        state.lock.unlock()
        if fired || Date().timeIntervalSince(start) > 5 {
            Issue.record("opening the FIFO \(fifo) blocked (freed by the watchdog after 5 s)")
        }
    }
    return try body()
}

private final class WatchdogState: @unchecked Sendable {
    let lock = NSLock()
    var done = false
    var fired = false
}

/// Everything written into the FIFO at `path` while `write` runs: a reader opens the other end
/// on another thread (opening a FIFO blocks until both ends are open) and reads to the end.
public func bytesThroughFIFO(_ path: String, while write: () throws -> Void) rethrows -> Data {
    nonisolated(unsafe) var received = Data()
    let done = DispatchSemaphore(value: 0)
    Thread {
        if let handle = FileHandle(forReadingAtPath: path) { received = handle.readDataToEndOfFile() }
        done.signal()
    }.start()
    try write()
    done.wait()
    return received
}
