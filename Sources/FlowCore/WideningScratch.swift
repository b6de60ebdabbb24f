#if canImport(Glibc)
import Glibc
#endif

/// One float32 buffer per thread for `blockWeightGEMM`'s widened weights: it grows to the largest
/// size the thread has asked for and is kept for the thread's life (freed when the thread ends),
/// so a forward does not allocate and fault in N·K floats for every product. The largest is one
/// widened matrix on the thread that calls the products (38 MB for SD3-medium's MLP, 95 MB for
/// SD3.5-large's) plus a small row block on each worker.
///
/// A caller must not hold the buffer across a call that may ask for it again on the same thread
/// (`blockWeightGEMM` does not: widening and the product run before it returns).
public enum WideningScratch {
    final class Buffer {
        var pointer: UnsafeMutablePointer<Float>
        var capacity: Int
        init(capacity: Int) {
            self.capacity = capacity
            pointer = .allocate(capacity: capacity)
        }
        deinit { pointer.deallocate() }
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { raw in
            guard let raw else { return }
            Unmanaged<Buffer>.fromOpaque(raw).release()
        }
        return key
    }()

    /// This thread's buffer of at least `count` floats (contents undefined).
    public static func floats(_ count: Int) -> UnsafeMutablePointer<Float> {
        if let raw = pthread_getspecific(key) {
            let buffer = Unmanaged<Buffer>.fromOpaque(raw).takeUnretainedValue()
            if buffer.capacity >= count { return buffer.pointer }
            buffer.pointer.deallocate()
            buffer.capacity = count
            buffer.pointer = .allocate(capacity: count)
            return buffer.pointer
        }
        let buffer = Buffer(capacity: max(count, 1))
        pthread_setspecific(key, Unmanaged.passRetained(buffer).toOpaque())
        return buffer.pointer
    }
}
