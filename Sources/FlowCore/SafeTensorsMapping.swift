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

    /// The message for the current `errno`.
    static func systemMessage() -> String {
        String(cString: strerror(errno))
    }
}
