#if canImport(Glibc)
import Glibc
#endif
import CBLAS
import Dispatch
import Synchronization

/// Thread settings shared by every op. One pool of threads (Dispatch) runs everything:
/// FlowCore's loops, and matrix products split into blocks, each block a single-threaded
/// OpenBLAS call. OpenBLAS's own threads are not used: they spin (sched_yield) between
/// calls and would steal the cores from the rest of the forward.
public enum Parallel {
    nonisolated(unsafe) private static var configuredThreads = max(1, min(ProcessInfoCPU.count, 64))

    /// Elements below which an elementwise loop runs on the calling thread: waking a worker and
    /// joining it costs 10–30 µs here, more than one pass over 64K floats.
    public static let elementwiseGrain = 65536

    /// The number of threads used by parallel loops and matrix products.
    public static var threadCount: Int { configuredThreads }

    /// Sets the thread count (call once at start-up, before any work: a pool made for another
    /// count is replaced, and its threads stay asleep).
    public static func setThreadCount(_ n: Int) {
        configuredThreads = max(1, n)
        configureBLASOnce
        pool.withLock { if $0?.threads != configuredThreads { $0 = nil } }
    }

    /// The spinning workers (see `WorkerPool`); made on first use.
    private static let pool = Mutex<WorkerPool?>(nil)

    /// Runs `body(i)` for `i` in `0..<tasks` on the worker pool, or on Dispatch when the pool is busy.
    @usableFromInline
    static func run(tasks: Int, _ body: (Int) -> Void) {
        let workers: WorkerPool = pool.withLock { pool in
            if let pool { return pool }
            let made = WorkerPool(threads: configuredThreads)
            pool = made
            return made
        }
        let ran = workers.run(tasks: tasks) { i in markedInside { body(i) } }
        if !ran {
            withoutActuallyEscaping(body) { body in
                nonisolated(unsafe) let body = body
                DispatchQueue.concurrentPerform(iterations: tasks) { i in markedInside { body(i) } }
            }
        }
    }

    /// Puts OpenBLAS in single-threaded mode, once, before its first use.
    public static let configureBLASOnce: Void = {
        openblas_set_num_threads(1)
    }()

    /// True on a thread that is running a chunk of a parallel loop: nested work stays serial.
    public static var isInsideParallelRegion: Bool {
        pthread_getspecific(insideKey) != nil
    }

    /// A thread-local marker set while a parallel loop's body runs.
    private static let insideKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Runs `body` with the parallel-region marker set on this thread.
    @usableFromInline
    static func markedInside(_ body: () -> Void) {
        let previous = pthread_getspecific(insideKey)
        pthread_setspecific(insideKey, UnsafeRawPointer(bitPattern: 1))
        body()
        pthread_setspecific(insideKey, previous)
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
        // The chunks are disjoint; callers guarantee `body` is safe to run concurrently.
        run(tasks: chunks) { c in
            let start = c * per
            let end = min(count, start + per)
            if start < end { body(start..<end) }
        }
    }

    /// Runs `body(i)` for each `i` in `0..<count` in parallel, one task per index.
    @inlinable
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        if count == 1 || threadCount == 1 {
            for i in 0..<count { body(i) }
        } else {
            run(tasks: count, body)
        }
    }

}

/// The number of online CPUs.
public enum ProcessInfoCPU {
    public static var count: Int {
        Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }
}
