import Foundation

/// A problem reading or writing a safetensors file. The description names the file,
/// says what is wrong and, where it can, what to do.
public struct SafeTensorsError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// The file could not be opened, inspected or mapped (the system's message).
        case cannotRead(reason: String)
        /// The path names a FIFO, a device, a directory… rather than a file.
        case notAFile(FileType)
        /// The file is shorter than the 8-byte header length.
        case fileTooShort(byteCount: Int)
        /// The header length (first 8 bytes) runs past the end of the file.
        case headerLengthTooLarge(headerLength: UInt64, fileSize: Int)
        /// The header length is over `SafeTensorsFile.maximumHeaderByteCount`.
        case headerTooLarge(headerLength: UInt64, limit: Int)
        /// The header is not valid UTF-8 JSON.
        case headerNotJSON(reason: String)
        /// The header is valid JSON but not an object.
        case headerNotObject
        /// A tensor entry lacks `dtype`, `shape` or `data_offsets`, or has the wrong kind of value.
        case malformedEntry(name: String, reason: String)
        /// A tensor's dtype is not one of F32, F16, BF16, F8_E4M3, F8_E5M2.
        case unsupportedDType(name: String, dtype: String)
        /// The shape's element count times the dtype size differs from `end - begin`.
        case byteCountMismatch(name: String, shape: [Int], dtype: SafeTensorsDType, expected: Int, actual: Int)
        /// `data_offsets` are reversed or reach past the data buffer.
        case offsetsOutOfRange(name: String, begin: Int, end: Int, dataByteCount: Int)
        /// `__metadata__` is not an object of string values.
        case invalidMetadata(reason: String)
        /// A tensor was asked for that the file does not hold.
        case tensorNotFound(name: String, available: [String], total: Int)
        /// A tensor to write has a reserved name (`__metadata__`).
        case reservedTensorName(String)
        /// Writing the file failed (the system's message); a file at the destination is untouched.
        case writeFailed(reason: String)
    }

    /// The file read or written.
    public let url: URL
    /// What went wrong.
    public let kind: Kind

    /// An error about `url`.
    public init(_ kind: Kind, url: URL) {
        self.kind = kind
        self.url = url
    }

    /// The error for a file `ReadableFile` could not open or read.
    init(_ error: FileReadError, url: URL) {
        switch error.reason {
        case .cannotOpen(let why), .readFailed(let why): self.init(.cannotRead(reason: why), url: url)
        case .notAFile(let type): self.init(.notAFile(type), url: url)
        case .tooLarge, .notUTF8: self.init(.cannotRead(reason: error.description), url: url)
        }
    }

    public var description: String {
        let file = "safetensors file \(url.path)"
        switch kind {
        case .cannotRead(let reason):
            return "\(file): cannot read it: \(reason)."
        case .notAFile(let type):
            return "\(url.path) is \(type.name), not a file; give a safetensors file."
        case .headerTooLarge(let headerLength, let limit):
            return "\(file): the header length says \(headerLength) bytes of JSON, more than the \(limit) bytes "
                + "a safetensors header may have. The file is damaged or not a safetensors file."
        case .fileTooShort(let byteCount):
            return "\(file): only \(byteCount) bytes long, but a safetensors file starts with an "
                + "8-byte header length. The file is truncated or not a safetensors file."
        case .headerLengthTooLarge(let headerLength, let fileSize):
            return "\(file): the header length says \(headerLength) bytes of JSON, but the file has "
                + "only \(fileSize) bytes. The file is truncated or not a safetensors file."
        case .headerNotJSON(let reason):
            return "\(file): the header is not valid JSON (\(reason)). The file is damaged or not a safetensors file."
        case .headerNotObject:
            return "\(file): the JSON header is not an object of tensor entries. The file is not a safetensors file."
        case .malformedEntry(let name, let reason):
            return "\(file): tensor \"\(name)\": \(reason). Each entry needs "
                + "{\"dtype\": \"F32\", \"shape\": [..], \"data_offsets\": [begin, end]}."
        case .unsupportedDType(let name, let dtype):
            return "\(file): tensor \"\(name)\" has dtype \"\(dtype)\", which FlowStudio does not read. "
                + "Supported dtypes: \(SafeTensorsDType.supportedList) (others such as F64, I8, U8, I64 "
                + "and BOOL are not supported). Convert the checkpoint to F32, F16 or BF16."
        case .byteCountMismatch(let name, let shape, let dtype, let expected, let actual):
            return "\(file): tensor \"\(name)\" has shape \(describeShape(shape)) of \(dtype.rawValue), "
                + "which needs \(expected) bytes, but its data_offsets span \(actual) bytes. The file is damaged."
        case .offsetsOutOfRange(let name, let begin, let end, let dataByteCount):
            return "\(file): tensor \"\(name)\" has data_offsets [\(begin), \(end)], outside the "
                + "\(dataByteCount)-byte data buffer\(begin > end ? " (begin is after end)" : ""). "
                + "The file is truncated or damaged."
        case .invalidMetadata(let reason):
            return "\(file): \"__metadata__\" \(reason); it must be an object whose values are all strings."
        case .tensorNotFound(let name, let available, let total):
            let list = available.map { "\"\($0)\"" }.joined(separator: ", ")
            let more = total > available.count ? ", … (\(total) in all)" : ""
            return "\(file): no tensor named \"\(name)\". "
                + (total == 0 ? "The file holds no tensors." : "It holds \(list)\(more).")
        case .reservedTensorName(let name):
            return "\(file): cannot write a tensor named \"\(name)\": that key is reserved for metadata. Rename the tensor."
        case .writeFailed(let reason):
            return "\(file): writing failed: \(reason). A file already there is left as it was."
        }
    }
}
