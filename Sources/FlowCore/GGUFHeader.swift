/// The parsed and checked front of a GGUF file: version, metadata, and every tensor's entry.
///
/// Layout (little-endian; https://github.com/ggml-org/ggml/blob/master/docs/gguf.md):
/// "GGUF", uint32 version, uint64 tensor count, uint64 metadata count, the metadata (key string,
/// uint32 type, value), the tensor entries (name string, uint32 dimension count, uint64 per
/// dimension innermost first, uint32 block type, uint64 offset), padding to `general.alignment`
/// (default 32), then the data, to which the offsets are relative. A string is a uint64 byte
/// count and the bytes.
///
/// Nothing is trusted: every read is bounds-checked against the bytes given, every count and
/// string length against what the rest of the file could hold (so a hostile count fails before
/// anything is allocated), every product of dimensions and byte count is overflow-checked, each
/// offset must be aligned and each tensor's data must lie inside the file. Each problem is one
/// `GGUFError`.
public struct GGUFHeader: Sendable {
    /// The longest tensor name or metadata key accepted (ggml's own limit is 64 bytes for names;
    /// converters that raise it use 128).
    public static let maximumNameByteCount = 4096
    /// The deepest nesting of arrays in metadata.
    public static let maximumArrayDepth = 4
    /// Arrays up to this length are decoded into `GGUFMetadataValue.array`'s elements.
    public static let maximumDecodedArrayCount = 4096
    /// ggml's `GGML_MAX_DIMS`.
    public static let maximumDimensionCount = 4
    /// The alignment when the file does not say (`GGUF_DEFAULT_ALIGNMENT`).
    public static let defaultAlignment = 32

    /// The GGUF version (2 or 3).
    public let version: UInt32
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    /// Metadata by key.
    public let metadata: [String: GGUFMetadataValue]
    /// Tensor entries in file order.
    public let tensors: [GGUFTensorInfo]
    /// `general.alignment`, or 32.
    public let alignment: Int
    /// Where the data section starts in the file.
    public let dataOffset: Int

    /// `general.architecture` ("sd3", "flux"; nil in stable-diffusion.cpp's files).
    public var architecture: String? { metadata["general.architecture"]?.string }

    /// Parses the front of a GGUF file whose whole contents are `bytes` (the file is mapped, so
    /// the data is not read). `path` is for messages. Throws `GGUFError`.
    public init(bytes: UnsafeRawBufferPointer, path: String) throws {
        var cursor = GGUFCursor(bytes: bytes, path: path)
        guard bytes.count >= 4, Array(bytes.prefix(4)) == Array("GGUF".utf8) else {
            throw GGUFError(.badMagic(found: Array(bytes.prefix(4))), path: path)
        }
        cursor.offset = 4
        let version = try cursor.read(UInt32.self, "version")
        guard version == 2 || version == 3 else {
            let swapped = version.byteSwapped
            throw GGUFError(.unsupportedVersion(version, bigEndian: swapped == 2 || swapped == 3), path: path)
        }
        let tensorCount = try cursor.count("tensor count", minimumEntryByteCount: 8 + 4 + 8 + 4 + 8)
        let metadataCount = try cursor.count("metadata count", minimumEntryByteCount: 8 + 4 + 1)

        var keys: [String] = []
        var metadata: [String: GGUFMetadataValue] = [:]
        keys.reserveCapacity(metadataCount)
        for _ in 0..<metadataCount {
            let key = try cursor.name("metadata key")
            guard metadata[key] == nil else { throw GGUFError(.duplicate(what: "metadata key", name: key), path: path) }
            let typeNumber = try cursor.read(UInt32.self, "type of metadata \"\(key)\"")
            guard let type = GGUFValueType(rawValue: typeNumber) else {
                throw GGUFError(.unknownValueType(key: key, type: typeNumber), path: path)
            }
            metadata[key] = try cursor.value(type, key: key, depth: 0)
            keys.append(key)
        }

        var alignment = Self.defaultAlignment
        if let value = metadata["general.alignment"] {
            guard case .uint32(let a) = value, a > 0, a <= 1 << 20, a & (a - 1) == 0 else {
                throw GGUFError(.badAlignment("\(value)"), path: path)
            }
            alignment = Int(a)
        }

        struct Raw { let name: String; let dimensions: [UInt64]; let type: UInt32; let offset: UInt64 }
        var raws: [Raw] = []
        raws.reserveCapacity(tensorCount)
        var seen = Set<String>()
        for _ in 0..<tensorCount {
            let name = try cursor.name("tensor name")
            guard seen.insert(name).inserted else { throw GGUFError(.duplicate(what: "tensor", name: name), path: path) }
            let dimensionCount = try cursor.read(UInt32.self, "dimension count of tensor \"\(name)\"")
            guard dimensionCount <= UInt32(Self.maximumDimensionCount) else {
                throw GGUFError(.tooManyDimensions(name: name, count: dimensionCount), path: path)
            }
            var dimensions: [UInt64] = []
            for _ in 0..<dimensionCount { dimensions.append(try cursor.read(UInt64.self, "dimensions of tensor \"\(name)\"")) }
            let type = try cursor.read(UInt32.self, "block type of tensor \"\(name)\"")
            let offset = try cursor.read(UInt64.self, "data offset of tensor \"\(name)\"")
            raws.append(Raw(name: name, dimensions: dimensions, type: type, offset: offset))
        }

        // The data starts at the next multiple of the alignment (it may lie past the end when
        // there is no data at all).
        let (padded, overflow) = cursor.offset.addingReportingOverflow(alignment - 1)
        let dataOffset = overflow ? Int.max : padded / alignment * alignment

        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(raws.count)
        for raw in raws {
            guard let type = GGUFBlockType(rawValue: raw.type) else {
                throw GGUFError(.unknownBlockType(name: raw.name, type: raw.type), path: path)
            }
            // The product of the non-zero dimensions must fit too, so that a zero-element tensor
            // with huge dimensions ([2^40, 2^40, 0]) overflows in no order of multiplication.
            guard let dimensions = Self.checkedSizes(raw.dimensions) else {
                throw GGUFError(.dimensionsTooLarge(name: raw.name, dimensions: raw.dimensions), path: path)
            }
            let elementCount = dimensions.reduce(1, *)
            let rowLength = dimensions.first ?? 1
            guard rowLength % type.blockSize == 0 else {
                throw GGUFError(.partialBlock(name: raw.name, type: type, firstDimension: rowLength), path: path)
            }
            let (byteCount, byteOverflow) = (elementCount / type.blockSize).multipliedReportingOverflow(by: type.bytesPerBlock)
            guard !byteOverflow else { throw GGUFError(.dimensionsTooLarge(name: raw.name, dimensions: raw.dimensions), path: path) }
            guard raw.offset % UInt64(alignment) == 0 else {
                throw GGUFError(.misalignedOffset(name: raw.name, offset: raw.offset, alignment: alignment), path: path)
            }
            // begin = dataOffset + offset, end = begin + byteCount, all within the file.
            guard let offset = Int(exactly: raw.offset), case let (begin, o1) = dataOffset.addingReportingOverflow(offset), !o1,
                  case let (end, o2) = begin.addingReportingOverflow(byteCount), !o2, end <= bytes.count else {
                let begin = UInt64(clamping: dataOffset).addingReportingOverflow(raw.offset)
                throw GGUFError(.dataPastEnd(name: raw.name, begin: begin.overflow ? .max : begin.partialValue,
                                             byteCount: byteCount, fileSize: bytes.count), path: path)
            }
            let shape = try Self.originalShape(of: raw.name, in: metadata, elementCount: elementCount, path: path)
                ?? dimensions.reversed()
            tensors.append(GGUFTensorInfo(name: raw.name, dimensions: dimensions, shape: shape, type: type,
                                          elementCount: elementCount, byteCount: byteCount, fileOffset: begin))
        }

        self.version = version
        self.metadataKeys = keys
        self.metadata = metadata
        self.tensors = tensors
        self.alignment = alignment
        self.dataOffset = dataOffset
    }

    /// `sizes` as `Int`s when each fits and the product of the non-zero ones does not overflow
    /// (so every product of them, in any order, fits); nil otherwise.
    static func checkedSizes(_ sizes: [UInt64]) -> [Int]? {
        var product = 1
        var result: [Int] = []
        for size in sizes {
            guard let n = Int(exactly: size) else { return nil }
            if n != 0 {
                let (p, overflow) = product.multipliedReportingOverflow(by: n)
                if overflow { return nil }
                product = p
            }
            result.append(n)
        }
        return result
    }

    /// ComfyUI-GGUF's `comfy.gguf.orig_shape.NAME` (the PyTorch shape of a tensor it flattened to
    /// rows of 256 to quantize it), checked against the element count; nil when absent.
    static func originalShape(of name: String, in metadata: [String: GGUFMetadataValue], elementCount: Int,
                              path: String) throws -> [Int]? {
        guard let value = metadata["comfy.gguf.orig_shape." + name] else { return nil }
        func fail(_ reason: String) -> GGUFError { GGUFError(.badOriginalShape(name: name, reason: reason), path: path) }
        guard let sizes = value.integers, sizes.count <= 8, sizes.allSatisfy({ $0 >= 0 }) else {
            throw fail("is not a list of at most 8 sizes")
        }
        guard Self.checkedSizes(sizes.map { UInt64($0) }) != nil else { throw fail("is \(sizes), whose product overflows") }
        let product = sizes.reduce(1, *)
        guard product == elementCount else { throw fail("is \(sizes) (\(product) elements), but the tensor has \(elementCount)") }
        return sizes
    }
}
