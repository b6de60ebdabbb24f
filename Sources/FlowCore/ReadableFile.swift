import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The one way FlowStudio opens a user-given file for reading.
///
/// `open(O_RDONLY | O_NONBLOCK | O_CLOEXEC)` — so a FIFO or a device never blocks the open —
/// then `fstat`: anything but a regular file (a FIFO, a device, a directory, a socket) is
/// refused with one message ("X is a FIFO (named pipe), not a file; give a PNG file"), and the
/// size is known, and checked against the caller's limit, before a byte is read. Then the
/// caller reads it (`readAll`) or maps it (`MemoryMappedFile`). Symbolic links are followed.
///
/// The descriptor is closed when the value goes away.
public final class ReadableFile {
    /// The path as given.
    public let path: String
    /// The open descriptor (read-only, close-on-exec, non-blocking: harmless on a regular file).
    public let descriptor: Int32
    /// The file's size when it was opened.
    public let byteCount: Int
    /// What the caller expects, for messages: "a safetensors file".
    public let expected: String

    /// Opens the file at `url`.
    ///
    /// - Parameters:
    ///   - expected: what the file should be, with its article ("a prompt list (text) file"),
    ///     for the message when it is something else.
    ///   - maximumByteCount: the largest size the caller accepts; a larger file is refused
    ///     (`FileReadError.Reason.tooLarge`) before anything is read. Nil: any size.
    /// - Throws: `FileReadError`.
    public init(_ url: URL, expected: String, maximumByteCount: Int? = nil) throws {
        let path = url.path
        func fail(_ reason: FileReadError.Reason) -> FileReadError {
            FileReadError(path: path, reason: reason, expected: expected)
        }
        let descriptor = url.withUnsafeFileSystemRepresentation { name -> Int32 in
            guard let name else { errno = ENOENT; return -1 }
            var result: Int32
            repeat { result = open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC) } while result < 0 && errno == EINTR
            return result
        }
        guard descriptor >= 0 else {
            let why = Self.systemMessage()
            // A socket cannot be opened at all (ENXIO): say what it is rather than the errno.
            var status = stat()
            if stat(path, &status) == 0, FileType(mode: status.st_mode) != .regularFile {
                throw fail(.notAFile(FileType(mode: status.st_mode)))
            }
            throw fail(.cannotOpen(why))
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let why = Self.systemMessage()
            close(descriptor)
            throw fail(.cannotOpen(why))
        }
        let type = FileType(mode: status.st_mode)
        guard type == .regularFile else {
            close(descriptor)
            throw fail(.notAFile(type))
        }
        let size = Int(status.st_size)
        if let maximumByteCount, size > maximumByteCount {
            close(descriptor)
            throw fail(.tooLarge(byteCount: size, limit: maximumByteCount))
        }
        self.path = path
        self.descriptor = descriptor
        self.byteCount = size
        self.expected = expected
    }

    deinit { close(descriptor) }

    /// The file's bytes from its start: `byteCount` of them, or fewer if it shrank meanwhile.
    /// Throws `FileReadError` (`.readFailed`).
    public func readAll() throws -> [UInt8] {
        var failure: String?
        let bytes = [UInt8](unsafeUninitializedCapacity: byteCount) { buffer, initialized in
            initialized = 0
            while initialized < byteCount {
                let got = pread(descriptor, buffer.baseAddress! + initialized, min(byteCount - initialized, 1 << 30),
                                off_t(initialized))
                if got < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    failure = Self.systemMessage()
                    return
                }
                if got == 0 { return }  // the file shrank
                initialized += got
            }
        }
        if let failure { throw FileReadError(path: path, reason: .readFailed(failure), expected: expected) }
        return bytes
    }

    /// Calls `body` with the whole file mapped read-only (`mmap`; nothing is copied, pages are
    /// read on first touch), e.g. to hash a multi-GB model. Throws `FileReadError` when the
    /// mapping fails.
    public func withMappedBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard byteCount > 0 else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        let mapping = try MemoryMappedFile(self)
        return try withExtendedLifetime(mapping) {
            try body(UnsafeRawBufferPointer(start: mapping.base, count: mapping.byteCount))
        }
    }

    /// The whole file at `url` (see `init` for the checks and `readAll`).
    public static func bytes(of url: URL, expected: String, maximumByteCount: Int? = nil) throws -> [UInt8] {
        try ReadableFile(url, expected: expected, maximumByteCount: maximumByteCount).readAll()
    }

    /// The whole file at `url` as `Data`.
    public static func data(of url: URL, expected: String, maximumByteCount: Int? = nil) throws -> Data {
        Data(try bytes(of: url, expected: expected, maximumByteCount: maximumByteCount))
    }

    /// The whole file at `url` as UTF-8 text; throws `.notUTF8` for anything else.
    public static func text(of url: URL, expected: String, maximumByteCount: Int? = nil) throws -> String {
        let bytes = try bytes(of: url, expected: expected, maximumByteCount: maximumByteCount)
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw FileReadError(path: url.path, reason: .notUTF8, expected: expected)
        }
        return text
    }

    /// The message for the current `errno`.
    static func systemMessage() -> String {
        String(cString: strerror(errno))
    }
}
