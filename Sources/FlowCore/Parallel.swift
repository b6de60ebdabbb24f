#if canImport(Glibc)
import Glibc
#endif
import CBLAS
import Dispatch

/// Thread settings shared by every op: Dispatch for the loops FlowCore writes itself,
/// OpenBLAS's own threads for matrix products.
public enum Parallel {
    nonisolated(unsafe) private static var configuredThreads = max(1, min(ProcessInfoCPU.count, 64))

    /// The number of threads used by parallel loops and by OpenBLAS.
    public static var threadCount: Int { configuredThreads }

    /// Sets the thread count for FlowCore's loops and for OpenBLAS (call once at start-up).
    public static func setThreadCount(_ n: Int) {
        configuredThreads = max(1, n)
        openblas_set_num_threads(Int32(configuredThreads))
    }

    /// Runs `body` over `0..<count` split into contiguous chunks of at least `minChunk`
    /// items, in parallel when there is more than one chunk. Chunks never overlap.
    @inlinable
    public static func forEachChunk(_ count: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let threads = threadCount
        let chunks = min(threads * 4, max(1, count / max(1, minChunk)))
        if chunks <= 1 || threads == 1 {
            body(0..<count)
            return
        }
        let per = (count + chunks - 1) / chunks
        withoutActuallyEscaping(body) { body in
            // The chunks are disjoint; callers guarantee `body` is safe to run concurrently.
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let start = c * per
                let end = min(count, start + per)
                if start < end { body(start..<end) }
            }
        }
    }

    /// Runs `body(i)` for each `i` in `0..<count` in parallel, one task per index.
    @inlinable
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        if count == 1 || threadCount == 1 {
            for i in 0..<count { body(i) }
        } else {
            withoutActuallyEscaping(body) { body in
                nonisolated(unsafe) let body = body
                DispatchQueue.concurrentPerform(iterations: count) { body($0) }
            }
        }
    }

    /// Runs `body` with OpenBLAS limited to one thread, for regions that parallelise over
    /// independent small products themselves (e.g. attention heads).
    public static func withSingleThreadedBLAS<R>(_ body: () throws -> R) rethrows -> R {
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(Int32(configuredThreads)) }
        return try body()
    }
}

/// The number of online CPUs.
public enum ProcessInfoCPU {
    public static var count: Int {
        Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }
}
