import Foundation
import FlowCore

/// Writes GGUF files byte by byte for tests: well-formed ones (an F16 MM-DiT from a safetensors
/// file, as stable-diffusion.cpp's converter lays it out) and deliberately broken ones (any count,
/// length, dimension, type or offset can be set to a hostile value). The reader's correctness on
/// real files is tested on files the `gguf` Python package wrote; this only builds inputs.
public struct GGUFTestWriter {
    /// One metadata entry: the key, the GGUF type number and the value's bytes.
    public struct Entry {
        public var key: String
        public var type: UInt32
        public var value: [UInt8]
        public init(key: String, type: UInt32, value: [UInt8]) { self.key = key; self.type = type; self.value = value }

        public static func string(_ key: String, _ value: String) -> Entry {
            Entry(key: key, type: 8, value: GGUFTestWriter.string(value))
        }
        public static func uint32(_ key: String, _ value: UInt32) -> Entry {
            Entry(key: key, type: 4, value: GGUFTestWriter.le(value))
        }
    }

    /// One tensor: name, ggml dimensions (innermost first), block type number, its bytes, and
    /// (when set) an explicit data offset instead of the next aligned one.
    public struct TensorEntry {
        public var name: String
        public var dimensions: [UInt64]
        public var type: UInt32
        public var data: [UInt8]
        public var offset: UInt64?
        public init(name: String, dimensions: [UInt64], type: UInt32, data: [UInt8], offset: UInt64? = nil) {
            self.name = name; self.dimensions = dimensions; self.type = type; self.data = data; self.offset = offset
        }
    }

    public var version: UInt32 = 3
    public var metadata: [Entry] = []
    public var tensors: [TensorEntry] = []
    public var alignment = 32
    /// Counts written instead of the real ones, when set.
    public var tensorCountOverride: UInt64?
    public var metadataCountOverride: UInt64?

    public init(metadata: [Entry] = [], tensors: [TensorEntry] = []) {
        self.metadata = metadata
        self.tensors = tensors
    }

    public static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    public static func string(_ s: String) -> [UInt8] {
        le(UInt64(s.utf8.count)) + Array(s.utf8)
    }

    /// The file's bytes.
    public func bytes() -> [UInt8] {
        var out = Array("GGUF".utf8) + Self.le(version)
        out += Self.le(tensorCountOverride ?? UInt64(tensors.count)) + Self.le(metadataCountOverride ?? UInt64(metadata.count))
        for entry in metadata { out += Self.string(entry.key) + Self.le(entry.type) + entry.value }
        var offsets: [UInt64] = []
        var next = 0
        for tensor in tensors {
            offsets.append(tensor.offset ?? UInt64(next))
            next += (tensor.data.count + alignment - 1) / alignment * alignment
        }
        for (tensor, offset) in zip(tensors, offsets) {
            out += Self.string(tensor.name) + Self.le(UInt32(tensor.dimensions.count))
            for d in tensor.dimensions { out += Self.le(d) }
            out += Self.le(tensor.type) + Self.le(offset)
        }
        out += [UInt8](repeating: 0, count: (alignment - out.count % alignment) % alignment)
        for tensor in tensors {
            out += tensor.data + [UInt8](repeating: 0, count: (alignment - tensor.data.count % alignment) % alignment)
        }
        return out
    }

    /// Writes the bytes to `url`.
    public func write(to url: URL) throws { try Data(bytes()).write(to: url) }

    /// Every tensor of `provider` as F16 (type 1) under `prefix` + its name, dimensions reversed,
    /// as stable-diffusion.cpp's `convert` writes a model (no `general.architecture`); ggml drops
    /// trailing unit dimensions (PyTorch's leading ones), so `pos_embed` [1, N, D] is stored [D, N].
    public static func float16(_ provider: TensorProvider, prefix: String) throws -> GGUFTestWriter {
        var writer = GGUFTestWriter()
        for name in provider.tensorNames {
            let tensor = try provider.loadTensor(name)
            var dimensions = tensor.shape.reversed().map(UInt64.init)
            while dimensions.count > 1, dimensions.last == 1 { dimensions.removeLast() }
            var data: [UInt8] = []
            data.reserveCapacity(tensor.count * 2)
            for value in tensor.scalars { data += le(Float16Conversion.float16Bits(value)) }
            writer.tensors.append(TensorEntry(name: prefix + name, dimensions: dimensions, type: 1, data: data))
        }
        return writer
    }
}
