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
    /// The first byte of the mapping.
    let base: UnsafeRawPointer
    /// The file's size in bytes.
    let byteCount: Int

    /// Maps `file` (opened and checked by `ReadableFile`), which must not be empty.
    /// Throws `FileReadError` (`.readFailed`) when `mmap` fails.
    init(_ file: ReadableFile) throws {
        precondition(file.byteCount > 0, "an empty file cannot be mapped")
        let address = mmap(nil, file.byteCount, PROT_READ, MAP_PRIVATE, file.descriptor, 0)
        guard let address, address != MAP_FAILED else {
            throw FileReadError(path: file.path, reason: .readFailed("mmap failed: \(Self.systemMessage())"),
                                expected: file.expected)
        }
        base = UnsafeRawPointer(address)
        byteCount = file.byteCount
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), byteCount)
    }

    /// Tells the kernel that the whole pages inside `byteCount` bytes from `offset` are not needed
    /// any more (`madvise(MADV_DONTNEED)`): they leave this process's resident set (the page cache
    /// may keep them) and are read from the file again if touched. For data copied out once.
    func releasePages(from offset: Int, byteCount: Int) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard page > 0, offset >= 0, byteCount > 0, offset + byteCount <= self.byteCount else { return }
        let start = (Int(bitPattern: base) + offset + page - 1) / page * page
        let end = (Int(bitPattern: base) + offset + byteCount) / page * page
        guard end > start, let address = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(address, end - start, MADV_DONTNEED)
    }

    /// The message for the current `errno`.
    static func systemMessage() -> String {
        String(cString: strerror(errno))
    }
}
