import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The one way FlowStudio writes a user-visible file (images, models, favorites, exports).
///
/// Where the bytes go depends on what the path names:
/// - the process's streams and devices (any path under /dev or /proc: `/dev/stdout`,
///   `/proc/self/fd/3`, even when it leads to a regular file, as `> file` makes it; but not
///   /dev/shm, a folder of ordinary files) and any existing non-regular file (a FIFO, a tty) are written straight
///   into, appending, so that a shell's redirection (`> f`, `>> f`, `| cmd`) gets the bytes and
///   nothing is replaced;
/// - a directory is refused;
/// - everything else is written atomically at the file the path's symlinks lead to (a dangling
///   link leads to the file it names, which is created; the link stays): a temporary file
///   beside that file, `fsync`, then `rename` over it. A replaced file keeps its permissions, a
///   new one gets 0644. If anything fails the old file is untouched and no temporary file is left.
public struct WritableFile: Sendable {
    /// The path as given.
    public let path: String
    /// The file actually written: `path`, or the file its symlinks lead to.
    public let target: String
    /// Whether the bytes go straight into `target` (a stream, device or pipe), appending.
    public let isStream: Bool
    /// The permissions of the written file: those of the file it replaces, else 0644.
    let mode: mode_t

    /// Decides where writing `url` goes (see the type's rules), without touching anything.
    ///
    /// - Parameter example: a file name for the messages about an empty path or a directory
    ///   ("such as DIR/image.png").
    /// - Throws: `FileWriteError` for an empty path, a directory or an unreadable symlink.
    public init(_ url: URL, example: String = "file") throws {
        let path = url.path
        self.path = path
        guard !path.isEmpty else {
            throw FileWriteError(path: path, reason: "the path is empty; give a file name such as \(example)")
        }
        var status = stat()
        let exists = stat(path, &status) == 0
        let type = exists ? FileType(mode: status.st_mode) : nil
        if type == .directory {
            throw FileWriteError(path: path, reason: "it is a directory; give a file name inside it, such as DIR/\(example)")
        }
        // /dev/shm is a folder for ordinary (memory-backed) files, not a stream.
        let isStreamPath = (path.hasPrefix("/dev/") && !path.hasPrefix("/dev/shm/")) || path.hasPrefix("/proc/")
        if isStreamPath || (type != nil && type != .regularFile) {
            target = path
            isStream = true
            mode = 0
            return
        }
        // Follow symlinks by hand, so that a dangling one leads to the file it names.
        var current = path
        for _ in 0..<40 {
            var link = stat()
            guard lstat(current, &link) == 0, FileType(mode: link.st_mode) == .symbolicLink else { break }
            var buffer = [CChar](repeating: 0, count: 4096)
            let count = readlink(current, &buffer, buffer.count - 1)
            guard count >= 0 else {
                throw FileWriteError(path: path, reason: "cannot read the symbolic link (\(Self.systemMessage()))")
            }
            let destination = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = destination.hasPrefix("/") ? destination : Self.directory(of: current) + "/" + destination
        }
        target = current
        isStream = false
        mode = exists ? status.st_mode & 0o7777 : 0o644
    }

    /// Checks that `write` could succeed here (the folder that gets the temporary file, or the
    /// stream, is writable), without writing: for checking before expensive work.
    /// Throws `FileWriteError`.
    public func checkWritable() throws {
        let place = isStream ? target : Self.directory(of: target)
        guard access(place, W_OK) == 0 else {
            let what = isStream ? "cannot write to \(place)" : "cannot create a file in the directory \(place)"
            throw FileWriteError(path: path, reason: "\(what) (\(Self.systemMessage()))")
        }
    }

    /// Writes the file: `body` appends its bytes to the sink it is given, then the file is
    /// published (synced and renamed into place) — or, for a stream, left as written.
    /// An error from `body` is rethrown after the temporary file is removed; the system's
    /// failures are `FileWriteError`s.
    public func write(_ body: (FileSink) throws -> Void) throws {
        if isStream {
            var descriptor: Int32
            repeat { descriptor = open(target, O_WRONLY | O_APPEND | O_CLOEXEC) } while descriptor < 0 && errno == EINTR
            guard descriptor >= 0 else { throw failure("cannot open it for writing (\(Self.systemMessage()))") }
            let sink = FileSink(descriptor: descriptor, path: path)
            do {
                try body(sink)
            } catch {
                sink.closeDescriptor()
                throw error
            }
            // A device or pipe cannot be synced (and need not be).
            guard sink.closeDescriptor() else { throw failure(Self.systemMessage()) }
            return
        }

        // The temporary file sits beside the destination so that rename() is atomic: ".name.tmp-XXXXXX".
        let directory = Self.directory(of: target)
        let name = target.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? target
        let prefix = target.contains("/") ? String(target[...target.lastIndex(of: "/")!]) : ""
        var template = Array((prefix + "." + name + ".tmp-XXXXXX").utf8CString)
        let descriptor = mkstemp(&template)
        guard descriptor >= 0 else {
            throw failure("cannot create a file in the directory \(directory) (\(Self.systemMessage()))")
        }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        let temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // mkostemp creates 0600: a new file is for sharing (0644); a replaced file keeps its mode.
        _ = fchmod(descriptor, mode)
        let sink = FileSink(descriptor: descriptor, path: path)
        do {
            try body(sink)
            guard fsync(descriptor) == 0 else { throw failure(Self.systemMessage()) }
            guard sink.closeDescriptor() else { throw failure(Self.systemMessage()) }
            guard rename(temporary, target) == 0 else {
                throw failure("cannot rename the finished file into place (\(Self.systemMessage()))")
            }
        } catch {
            sink.closeDescriptor()
            unlink(temporary)
            throw error
        }
    }

    /// Writes `bytes` to `url` by the rules above.
    public static func write(_ bytes: some Collection<UInt8>, to url: URL, example: String = "file") throws {
        try WritableFile(url, example: example).write { sink in
            try Array(bytes).withUnsafeBytes { try sink.append($0) }
        }
    }

    private func failure(_ reason: String) -> FileWriteError {
        FileWriteError(path: path, reason: reason)
    }

    /// The directory part of `path` ("." when there is none).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func systemMessage() -> String {
        String(cString: strerror(errno))
    }
}
