import Foundation

/// Files in a private scratch directory (one per fuzzing process), for readers that take a
/// URL: each input is written to the same names again, so a run leaves nothing behind but the
/// directory's few files.
public enum ScratchFile {
    /// `$TMPDIR/flowstudio-fuzz-<pid>/`, created on first use.
    public static let directory: URL = {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("flowstudio-fuzz-\(ProcessInfo.processInfo.processIdentifier)", isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// Writes `bytes` to the scratch file `name` (replacing it) and returns its URL.
    public static func write(_ bytes: UnsafeRawBufferPointer, named name: String) -> URL {
        let url = directory.appendingPathComponent(name)
        let data = bytes.count == 0 ? Data() : Data(bytes)
        do {
            try data.write(to: url)
        } catch {
            fatalError("cannot write the scratch file \(url.path): \(error)")
        }
        return url
    }
}

/// The fuzz input as a byte buffer, with the splits the multi-file targets use.
public struct FuzzInput {
    public let bytes: UnsafeRawBufferPointer

    public init(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        bytes = UnsafeRawBufferPointer(start: size == 0 ? nil : data, count: size)
    }

    /// The bytes before the first NUL and those after it (empty when there is none): two
    /// files in one input.
    public var splitAtNUL: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) {
        guard let i = bytes.firstIndex(of: 0) else {
            return (bytes, UnsafeRawBufferPointer(start: nil, count: 0))
        }
        return (UnsafeRawBufferPointer(rebasing: bytes[..<i]), UnsafeRawBufferPointer(rebasing: bytes[(i + 1)...]))
    }

    /// The first byte (0 for an empty input) and the rest: a selector and the payload.
    public var selector: (UInt8, UnsafeRawBufferPointer) {
        guard let first = bytes.first else { return (0, bytes) }
        return (first, UnsafeRawBufferPointer(rebasing: bytes[1...]))
    }

    /// The bytes as text (invalid UTF-8 repaired, as a reader that decodes text would see it).
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}
