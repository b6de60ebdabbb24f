import FlowCore
import CPNG
import Foundation

/// PNG files through libpng, with text chunks.
///
/// Every libpng call happens in the C shim (`Sources/CPNG/cpng.c`), which catches libpng's
/// longjmp errors and returns a status and a message; this type turns those into `PNGError`.
public enum PNG {
    /// Text values longer than this many bytes are stored compressed (zTXt, or compressed iTXt).
    public static let compressTextAbove = 1024

    /// Writes `image` as an 8-bit RGB PNG at `url`, through `WritableFile`: atomically.
    ///
    /// The data is written to a temporary file beside the destination, flushed to disk and then
    /// renamed over `url`, so readers never see a half-written file and on error nothing is left
    /// behind (an existing file at `url` stays as it was). Symlinks are followed (the link stays; a
    /// replaced file keeps its permissions); a directory is refused; a device, a pipe or a path
    /// under /dev or /proc (`/dev/stdout`; not /dev/shm) is written straight into, appending.
    ///
    /// Each text pair becomes a chunk before the image data: `tEXt` when the value is ASCII,
    /// `iTXt` (UTF-8) otherwise; values over `compressTextAbove` bytes are compressed (`zTXt` /
    /// compressed `iTXt`). Keys must be 1–79 printable Latin-1 characters without leading,
    /// trailing or double spaces (the PNG rule); neither keys nor values may contain NUL.
    public static func write(_ image: RGBImage, to url: URL, text: [(key: String, value: String)] = []) throws {
        let path = url.path
        guard url.isFileURL else { throw PNGError.cannotWrite(path: url.absoluteString, reason: "not a file URL") }

        // All key and value bytes live in one array so the C structs can point into it.
        var storage: [UInt8] = []
        var layout: [(key: Range<Int>, value: Range<Int>, utf8: Bool, compressed: Bool)] = []
        for (key, value) in text {
            let keyBytes = try latin1Keyword(key, path: path)
            if value.utf8.contains(0) {
                throw PNGError.invalidText(path: path, key: key, reason: "the value contains a NUL character")
            }
            let isASCII = value.utf8.allSatisfy { $0 < 0x80 }
            let valueBytes = Array(value.utf8)  // ASCII is also Latin-1, so tEXt gets the same bytes
            let keyStart = storage.count
            storage += keyBytes
            let valueStart = storage.count
            storage += valueBytes
            layout.append((keyStart..<valueStart, valueStart..<storage.count, !isASCII,
                           valueBytes.count > compressTextAbove))
        }
        guard image.width > 0, image.height > 0 else {
            throw PNGError.invalidImage(path: path, reason: "the image has zero width or height")
        }

        do {
            try destination(url).write { sink in
                var message = [CChar](repeating: 0, count: 512)
                let status: Int32 = storage.withUnsafeBufferPointer { bytes in
                    let base = UnsafeRawPointer(bytes.baseAddress).map { $0.assumingMemoryBound(to: CChar.self) }
                    let chunks = layout.map { entry in
                        cpng_text(key: base.map { $0 + entry.key.lowerBound }, key_length: entry.key.count,
                                  value: base.map { $0 + entry.value.lowerBound }, value_length: entry.value.count,
                                  is_utf8: entry.utf8 ? 1 : 0, compressed: entry.compressed ? 1 : 0)
                    }
                    return image.pixels.withUnsafeBufferPointer { pixels in
                        chunks.withUnsafeBufferPointer { chunkBuffer in
                            cpng_write_rgb_fd(sink.descriptor, pixels.baseAddress, UInt32(image.width), UInt32(image.height),
                                              chunkBuffer.baseAddress, Int32(chunkBuffer.count), &message, message.count)
                        }
                    }
                }
                try PNGError.check(writeStatus: status, message: message, path: path)
            }
        } catch let error as FileWriteError {
            throw PNGError.cannotWrite(path: path, reason: error.reason)
        }
    }

    /// Checks that `write(_:to:)` could write `url` (not a directory; the folder, or the device,
    /// writable), without writing, so that a long computation is not wasted on a bad path.
    public static func checkDestination(_ url: URL) throws {
        guard url.isFileURL else { throw PNGError.cannotWrite(path: url.absoluteString, reason: "not a file URL") }
        do {
            try destination(url).checkWritable()
        } catch let error as FileWriteError {
            throw PNGError.cannotWrite(path: url.path, reason: error.reason)
        }
    }

    /// Where writing `url` goes (FlowCore's one write path); `FileWriteError` for a directory.
    private static func destination(_ url: URL) throws -> WritableFile {
        try WritableFile(url, example: "image.png")
    }

    /// Reads any PNG as 8-bit RGB, with its text chunks.
    ///
    /// The file is opened by `ReadableFile`: a FIFO, a device or a directory is refused at once
    /// (`PNGError.notAFile`) instead of blocking. The decoder reads it as a stream (no size cap:
    /// memory is bounded by the 256 Mpx pixel limit, not by the file's size).
    /// Palette and grey images are expanded to RGB; 16-bit samples are scaled to 8 bits with
    /// rounding; transparency (an alpha channel or a `tRNS` chunk) is composited onto **black**
    /// (`round(c · a / 255)`), so fully transparent pixels read as (0, 0, 0). No gamma correction
    /// is applied. Interlaced files are fine.
    ///
    /// `text` holds every `tEXt`, `zTXt` and `iTXt` chunk (before or after the image data);
    /// `tEXt`/`zTXt` values are decoded as Latin-1, `iTXt` as UTF-8. A repeated key keeps the
    /// last value. `warning` is libpng's first warning, if it gave one: a text chunk with a bad
    /// CRC is dropped with "tEXt: CRC error", so a caller that misses a chunk can say why.
    public static func read(from url: URL) throws -> (image: RGBImage, text: [String: String], warning: String?) {
        let path = url.path
        guard url.isFileURL else { throw PNGError.cannotOpen(path: url.absoluteString, reason: "not a file URL") }
        let file: ReadableFile
        do {
            file = try ReadableFile(url, expected: "a PNG file")
        } catch let error as FileReadError {
            switch error.reason {
            case .cannotOpen(let why), .readFailed(let why): throw PNGError.cannotOpen(path: path, reason: why)
            default: throw PNGError.notAFile(error.description)
            }
        }
        var decoded = cpng_image()
        var message = [CChar](repeating: 0, count: 512)
        let status = cpng_read_fd(file.descriptor, &decoded, &message, message.count)
        defer { cpng_image_free(&decoded) }
        let reason = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        switch cpng_status(rawValue: UInt32(status)) {
        case CPNG_OK: break
        case CPNG_ERR_OPEN: throw PNGError.cannotOpen(path: path, reason: reason)
        case CPNG_ERR_NOT_PNG: throw PNGError.notPNG(path: path, reason: reason)
        case CPNG_ERR_TRUNCATED: throw PNGError.truncated(path: path)
        case CPNG_ERR_NO_MEMORY: throw PNGError.outOfMemory(path: path)
        default: throw PNGError.corrupt(path: path, reason: reason)
        }

        let width = Int(decoded.width), height = Int(decoded.height)
        let pixels = Array(UnsafeBufferPointer(start: decoded.pixels, count: width * height * 3))
        var text: [String: String] = [:]
        for i in 0..<Int(decoded.text_count) {
            let chunk = decoded.texts[i]
            let key = latin1String(UnsafeRawBufferPointer(start: chunk.key, count: chunk.key_length))
            let valueBytes = UnsafeRawBufferPointer(start: chunk.value, count: chunk.value_length)
            text[key] = chunk.is_utf8 != 0 ? String(decoding: valueBytes, as: UTF8.self) : latin1String(valueBytes)
        }
        let warning = withUnsafeBytes(of: decoded.warning) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return (RGBImage(width: width, height: height, pixels: pixels), text, warning.isEmpty ? nil : warning)
    }

    /// The Latin-1 bytes of a PNG keyword, or an error saying what rule it breaks.
    static func latin1Keyword(_ key: String, path: String) throws -> [UInt8] {
        var bytes: [UInt8] = []
        for scalar in key.unicodeScalars {
            let v = scalar.value
            guard (32...126).contains(v) || (161...255).contains(v) else {
                throw PNGError.invalidText(path: path, key: key,
                                           reason: "keywords may only use printable Latin-1 characters (found U+\(String(v, radix: 16, uppercase: true)))")
            }
            bytes.append(UInt8(v))
        }
        guard (1...79).contains(bytes.count) else {
            throw PNGError.invalidText(path: path, key: key, reason: "keywords must be 1 to 79 characters long")
        }
        guard bytes.first != 32, bytes.last != 32, !zip(bytes, bytes.dropFirst()).contains(where: { $0 == 32 && $1 == 32 }) else {
            throw PNGError.invalidText(path: path, key: key, reason: "keywords may not start or end with a space or hold two spaces in a row")
        }
        return bytes
    }

    static func latin1String(_ bytes: UnsafeRawBufferPointer) -> String {
        var scalars = String.UnicodeScalarView()
        for byte in bytes { scalars.append(Unicode.Scalar(byte)) }
        return String(scalars)
    }
}
