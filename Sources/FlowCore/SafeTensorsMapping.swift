import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole regular file mapped read-only into memory (`mmap`, `PROT_READ`, `MAP_PRIVATE`),
/// unmapped when the last reference goes away. Pages are read from disk on first touch,
/// so mapping a multi-GB checkpoint costs nothing until its tensors are read.
final class MemoryMappedFile: @unchecked Sendable {
    /// The first byte of the mapping (never nil: empty files are not mapped, see `init`).
    let base: UnsafeRawPointer
    /// The file's size in bytes.
    let byteCount: Int

    /// Maps the file at `url`. Throws `SafeTensorsError.Kind.cannotRead` when it cannot
    /// be opened or mapped, and `.fileTooShort` when it has fewer than `minimumByteCount` bytes.
    init(url: URL, minimumByteCount: Int) throws {
        func fail(_ reason: String) -> SafeTensorsError {
            SafeTensorsError(.cannotRead(reason: reason), url: url)
        }
        let descriptor = url.withUnsafeFileSystemRepresentation { path -> Int32 in
            guard let path else { return -1 }
            return open(path, O_RDONLY | O_CLOEXEC)
        }
        guard descriptor >= 0 else { throw fail(Self.systemMessage()) }
        defer { close(descriptor) }

        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw fail(Self.systemMessage()) }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw fail("it is not a regular file") }
        let size = Int(status.st_size)
        guard size >= max(minimumByteCount, 1) else {
            throw SafeTensorsError(.fileTooShort(byteCount: size), url: url)
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let address, address != MAP_FAILED else {
            throw fail("mmap failed: \(Self.systemMessage())")
        }
        base = UnsafeRawPointer(address)
        byteCount = size
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), byteCount)
    }

    /// The message for the current `errno`.
    static func systemMessage() -> String {
        String(cString: strerror(errno))
    }
}
