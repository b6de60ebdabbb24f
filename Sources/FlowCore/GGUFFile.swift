import Foundation

/// A GGUF file (llama.cpp / ggml's format, as ComfyUI-GGUF and stable-diffusion.cpp write SD3
/// and SD3.5 MM-DiTs) opened read-only and memory-mapped: only the header is parsed and checked
/// when it is opened (`GGUFHeader`), and each tensor is turned into Float32 when it is asked for
/// (`GGUFDequantize`), in PyTorch's shape (GGUF lists dimensions innermost first).
///
/// Opening refuses, with one `GGUFError` each: anything but a regular file (through
/// `ReadableFile`), a bad magic or version, counts, string lengths and dimensions that would
/// overflow or run past the end, misaligned offsets, tensor data past the end, and tensors of
/// block types FlowStudio does not read (all of them named at once, e.g. "Q3_K (12 tensors, …)
/// is not supported; re-quantize to Q8_0 or Q4_0").
///
/// The file is immutable once opened, so one instance can be read from many threads.
public final class GGUFFile: @unchecked Sendable {
    /// The file this was opened from.
    public let url: URL
    /// The parsed header.
    public let header: GGUFHeader

    private let mapping: MemoryMappedFile
    private let entries: [String: GGUFTensorInfo]
    private let sortedNames: [String]

    /// Opens and maps the file at `url` and checks its header. Throws `GGUFError`.
    public init(contentsOf url: URL) throws {
        let mapping: MemoryMappedFile
        do {
            let file = try ReadableFile(url, expected: "a GGUF file")
            guard file.byteCount >= 4 else { throw GGUFError(.badMagic(found: try file.readAll()), path: url.path) }
            mapping = try MemoryMappedFile(file)
        } catch let error as FileReadError {
            throw GGUFError(error)
        }
        let header = try GGUFHeader(bytes: UnsafeRawBufferPointer(start: mapping.base, count: mapping.byteCount), path: url.path)
        try Self.checkSupported(header.tensors, path: url.path)
        self.url = url
        self.mapping = mapping
        self.header = header
        self.entries = Dictionary(header.tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.sortedNames = entries.keys.sorted()
    }

    /// Throws `.unsupportedBlockTypes` naming every block type among `tensors` that
    /// `GGUFDequantize` does not read, with a count and an example tensor each.
    static func checkSupported(_ tensors: [GGUFTensorInfo], path: String) throws {
        var groups: [GGUFBlockType: (count: Int, example: String)] = [:]
        for tensor in tensors where !tensor.type.isSupported {
            groups[tensor.type, default: (0, tensor.name)].count += 1
        }
        guard !groups.isEmpty else { return }
        let list = groups.sorted { $0.key.rawValue < $1.key.rawValue }
            .map { GGUFError.UnsupportedTensors(type: $0.key, count: $0.value.count, example: $0.value.example) }
        throw GGUFError(.unsupportedBlockTypes(list), path: path)
    }

    /// The tensor names, sorted.
    public var names: [String] { sortedNames }

    /// A tensor's entry (type, shapes, where its bytes lie), or nil.
    public func info(_ name: String) -> GGUFTensorInfo? { entries[name] }

    /// The bytes of a tensor as stored (blocks), valid while this file is alive.
    public func withStoredBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard let info = entries[name] else {
            throw GGUFError(.tensorNotFound(name: name, total: sortedNames.count), path: url.path)
        }
        return try withExtendedLifetime(mapping) {
            try body(UnsafeRawBufferPointer(start: mapping.base + info.fileOffset, count: info.byteCount))
        }
    }

    /// Reads one tensor as Float32 in PyTorch's shape. Throws `.tensorNotFound`.
    public func tensor(_ name: String) throws -> Tensor {
        guard let info = entries[name] else {
            throw GGUFError(.tensorNotFound(name: name, total: sortedNames.count), path: url.path)
        }
        return Self.tensor(info, in: UnsafeRawBufferPointer(start: mapping.base, count: mapping.byteCount))
    }

    /// The Float32 tensor `info` describes, read from `file` (the whole file's bytes, which the
    /// header parsed from them has checked).
    public static func tensor(_ info: GGUFTensorInfo, in file: UnsafeRawBufferPointer) -> Tensor {
        Tensor(shape: info.shape) { destination in
            guard info.elementCount > 0, let base = file.baseAddress else { return }
            GGUFDequantize.dequantize(info.type, from: base + info.fileOffset, into: destination)
        }
    }
}

extension GGUFFile: CustomStringConvertible {
    public var description: String {
        "GGUFFile(\(url.lastPathComponent), \(sortedNames.count) tensors)"
    }
}
