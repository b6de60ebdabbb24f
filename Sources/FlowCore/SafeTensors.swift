import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing safetensors files, readable by the Python `safetensors` library, PyTorch and
/// diffusers. Reading is `SafeTensorsFile`.
public enum SafeTensors {
    /// Writes tensors (sorted by name, 8-byte aligned header padded with spaces, as the Python
    /// library does) atomically: a temp file in the same directory, then rename; nothing
    /// half-written on failure.
    ///
    /// - Parameters:
    ///   - tensors: the tensors by name; `"__metadata__"` is not a valid name.
    ///   - metadata: written as the header's `"__metadata__"` object (omitted when empty).
    ///   - dtype: the stored element type; F16 and BF16 round to nearest even.
    ///   - url: the destination, replaced if it exists.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:],
                             dtype: SafeTensorsDType = .f32, to url: URL) throws {
        if tensors[SafeTensorsHeader.metadataKey] != nil {
            throw SafeTensorsError(.reservedTensorName(SafeTensorsHeader.metadataKey), url: url)
        }
        let names = tensors.keys.sorted()
        let header = headerBytes(names.map { ($0, tensors[$0]!.shape) }, metadata: metadata, dtype: dtype)

        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(
            ".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
        let writer: FileWriter
        do {
            writer = try FileWriter(creating: temporary)
        } catch let reason as WriteFailure {
            throw SafeTensorsError(.writeFailed(reason: "cannot create \(temporary.path): \(reason.message)"), url: url)
        }
        do {
            var length = UInt64(header.count).littleEndian
            try withUnsafeBytes(of: &length) { try writer.append($0) }
            try header.withUnsafeBytes { try writer.append($0) }
            for name in names {
                try writeData(of: tensors[name]!, as: dtype, to: writer)
            }
            try writer.finish()
            let renamed = temporary.withUnsafeFileSystemRepresentation { from in
                url.withUnsafeFileSystemRepresentation { to in rename(from!, to!) }
            }
            guard renamed == 0 else { throw WriteFailure("rename to the destination: " + MemoryMappedFile.systemMessage()) }
        } catch let reason as WriteFailure {
            writer.abandon()
            temporary.withUnsafeFileSystemRepresentation { _ = unlink($0!) }
            throw SafeTensorsError(.writeFailed(reason: reason.message), url: url)
        }
    }

    /// The JSON header for tensors of the given names and shapes laid out back to back in
    /// that order, padded with spaces to a multiple of 8 bytes (so the data buffer starts
    /// 8-byte aligned). Metadata comes first, keys sorted, as the Python library writes it.
    static func headerBytes(_ tensors: [(name: String, shape: [Int])], metadata: [String: String],
                            dtype: SafeTensorsDType) -> [UInt8] {
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonStringLiteral($0)):\(jsonStringLiteral(metadata[$0]!))" }
            fields.append("\(jsonStringLiteral(SafeTensorsHeader.metadataKey)):{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for (name, shape) in tensors {
            let byteCount = shape.reduce(1, *) * dtype.byteCount
            let dims = shape.map(String.init).joined(separator: ",")
            fields.append("\(jsonStringLiteral(name)):{\"dtype\":\"\(dtype.rawValue)\",\"shape\":[\(dims)],"
                + "\"data_offsets\":[\(offset),\(offset + byteCount)]}")
            offset += byteCount
        }
        var bytes = Array("{\(fields.joined(separator: ","))}".utf8)
        let padding = (8 - bytes.count % 8) % 8
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))
        return bytes
    }

    /// Writes a tensor's elements in `dtype`, converting F16/BF16 in bounded chunks so a
    /// large tensor never needs a second full-size buffer.
    private static func writeData(of tensor: Tensor, as dtype: SafeTensorsDType, to writer: FileWriter) throws {
        try tensor.scalars.withUnsafeBufferPointer { values in
            switch dtype {
            case .f32:
                try writer.append(UnsafeRawBufferPointer(values))
            case .f16, .bf16:
                let chunk = 1 << 20
                var words = [UInt16](repeating: 0, count: min(chunk, values.count))
                var start = 0
                while start < values.count {
                    let count = min(chunk, values.count - start)
                    let slice = UnsafeBufferPointer(rebasing: values[start..<start + count])
                    try words.withUnsafeMutableBufferPointer { buffer in
                        let target = UnsafeMutableBufferPointer(rebasing: buffer[0..<count])
                        if dtype == .f16 {
                            Float16Conversion.convert(slice, intoFloat16: target)
                        } else {
                            Float16Conversion.convert(slice, intoBFloat16: target)
                        }
                        try writer.append(UnsafeRawBufferPointer(target))
                    }
                    start += count
                }
            }
        }
    }
}

/// A system call that failed while writing, with the system's message.
private struct WriteFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// A new file written with POSIX calls: `write` until every byte is out, then `fsync` and
/// `close`, so a later rename publishes complete contents.
private final class FileWriter {
    private var descriptor: Int32

    init(creating url: URL) throws {
        descriptor = url.withUnsafeFileSystemRepresentation { path in
            guard let path else { return -1 }
            return open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        }
        guard descriptor >= 0 else { throw WriteFailure(MemoryMappedFile.systemMessage()) }
    }

    /// Writes all of `bytes`, retrying short writes and interrupted calls.
    func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard var next = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = write(descriptor, next, min(remaining, 1 << 30))
            if written < 0 {
                if errno == EINTR { continue }
                throw WriteFailure(MemoryMappedFile.systemMessage())
            }
            next += written
            remaining -= written
        }
    }

    func finish() throws {
        guard fsync(descriptor) == 0 else { throw WriteFailure("fsync: " + MemoryMappedFile.systemMessage()) }
        let status = close(descriptor)
        descriptor = -1
        guard status == 0 else { throw WriteFailure("close: " + MemoryMappedFile.systemMessage()) }
    }

    func abandon() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
    }

    deinit { abandon() }
}
