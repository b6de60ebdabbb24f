import CPNG

/// Why reading or writing a PNG failed. Each case names the file.
public enum PNGError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened or read (missing, a directory, no permission…).
    case cannotOpen(path: String, reason: String)
    /// The path is not a regular file (a FIFO, a device, a directory);
    /// the message (from FlowCore's `FileReadError`) names it and says what to give.
    case notAFile(String)
    /// The file is not a PNG (wrong signature, or empty).
    case notPNG(path: String, reason: String)
    /// The file is a PNG that ends early.
    case truncated(path: String)
    /// The file starts like a PNG but libpng rejected its contents (bad CRC, bad chunk…).
    case corrupt(path: String, reason: String)
    /// The file could not be written (directory missing or not writable, disk full…).
    case cannotWrite(path: String, reason: String)
    /// A text chunk's keyword or value cannot be stored.
    case invalidText(path: String, key: String, reason: String)
    /// The image cannot be stored (for example a zero width or height).
    case invalidImage(path: String, reason: String)
    /// An allocation failed.
    case outOfMemory(path: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "cannot read \(path): \(reason); check that the file exists and is readable"
        case let .notAFile(message):
            return message
        case let .notPNG(path, reason):
            return "\(path) is not a PNG file: \(reason)"
        case let .truncated(path):
            return "\(path) is truncated: the PNG data ends early; the file was probably cut off while being written or copied"
        case let .corrupt(path, reason):
            return "\(path) is a damaged PNG: \(reason)"
        case let .cannotWrite(path, reason):
            return "cannot write \(path): \(reason); check that the directory exists and is writable"
        case let .invalidText(path, key, reason):
            return "cannot store text chunk \"\(key)\" in \(path): \(reason)"
        case let .invalidImage(path, reason):
            return "cannot write \(path): \(reason)"
        case let .outOfMemory(path):
            return "out of memory while processing \(path)"
        }
    }
}

extension PNGError {
    /// Turns the status of a `cpng_write_rgb_fd` call into nothing (success) or the error it
    /// names; `message` is libpng's NUL-terminated explanation.
    static func check(writeStatus status: Int32, message: [CChar], path: String) throws(PNGError) {
        let reason = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        switch cpng_status(rawValue: UInt32(status)) {
        case CPNG_OK: return
        case CPNG_ERR_NO_MEMORY: throw PNGError.outOfMemory(path: path)
        case CPNG_ERR_INVALID: throw PNGError.invalidImage(path: path, reason: reason)
        default: throw PNGError.cannotWrite(path: path, reason: reason)
        }
    }
}
