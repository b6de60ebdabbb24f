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
    /// library does) through `WritableFile`: atomically (a temporary file beside the
    /// destination, fsync, rename; nothing half-written on failure) at the file the path's
    /// symlinks lead to, keeping a replaced file's permissions; straight into a device or a
    /// pipe; never over a directory.
    ///
    /// - Parameters:
    ///   - tensors: the tensors by name; `"__metadata__"` is not a valid name.
    ///   - metadata: written as the header's `"__metadata__"` object (omitted when empty).
    ///   - dtype: the stored element type; F16, BF16 and F8 round to nearest even (F8 as PyTorch
    ///     converts: see `Float8Conversion`).
    ///   - url: the destination, replaced if it is a file.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:],
                             dtype: SafeTensorsDType = .f32, to url: URL) throws {
        if tensors[SafeTensorsHeader.metadataKey] != nil {
            throw SafeTensorsError(.reservedTensorName(SafeTensorsHeader.metadataKey), url: url)
        }
        let names = tensors.keys.sorted()
        let header = headerBytes(names.map { ($0, tensors[$0]!.shape) }, metadata: metadata, dtype: dtype)
        do {
            try WritableFile(url, example: "out.safetensors").write { sink in
                var length = UInt64(header.count).littleEndian
                try withUnsafeBytes(of: &length) { try sink.append($0) }
                try header.withUnsafeBytes { try sink.append($0) }
                for name in names {
                    try writeData(of: tensors[name]!, as: dtype, to: sink)
                }
            }
        } catch let error as FileWriteError {
            throw SafeTensorsError(.writeFailed(reason: error.reason), url: url)
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

    /// Writes a tensor's elements in `dtype`, converting F16/BF16/F8 in bounded chunks so a
    /// large tensor never needs a second full-size buffer.
    private static func writeData(of tensor: Tensor, as dtype: SafeTensorsDType, to writer: FileSink) throws {
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
            case .f8E4M3, .f8E5M2:
                let chunk = 1 << 20
                var bytes = [UInt8](repeating: 0, count: min(chunk, values.count))
                var start = 0
                while start < values.count {
                    let count = min(chunk, values.count - start)
                    for i in 0..<count {
                        let value = values[start + i]
                        bytes[i] = dtype == .f8E4M3 ? Float8Conversion.e4m3fnBits(value) : Float8Conversion.e5m2Bits(value)
                    }
                    try bytes.withUnsafeBytes { try writer.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                    start += count
                }
            }
        }
    }
}
