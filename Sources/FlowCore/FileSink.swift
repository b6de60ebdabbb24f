import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The open file `WritableFile.write` hands its body: append bytes, or give `descriptor` to
/// code that writes by itself (the C PNG encoder). Valid only during the body.
public final class FileSink: @unchecked Sendable {
    /// The descriptor being written (the temporary file, or the stream).
    public let descriptor: Int32
    private let path: String
    private var isOpen = true

    init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    /// Writes all of `bytes`, retrying short writes and interrupted calls.
    /// Throws `FileWriteError` with the system's message.
    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard var next = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = write(descriptor, next, min(remaining, 1 << 30))
            if written < 0 {
                if errno == EINTR { continue }
                throw FileWriteError(path: path, reason: String(cString: strerror(errno)))
            }
            next += written
            remaining -= written
        }
    }

    /// Closes the descriptor once; false (with `errno` set) when `close` reports an error.
    @discardableResult
    func closeDescriptor() -> Bool {
        guard isOpen else { return true }
        isOpen = false
        return close(descriptor) == 0
    }

    deinit { closeDescriptor() }
}
