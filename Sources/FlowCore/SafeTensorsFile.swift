import Foundation

/// A safetensors file opened read-only and memory-mapped (mmap), so a multi-GB file is not
/// copied before use: only the header is parsed when it is opened, and each tensor's bytes
/// are read (and converted to Float32) when the tensor is asked for.
///
/// Layout: an 8-byte little-endian header length N, N bytes of JSON header (possibly padded
/// with spaces), then the data buffer, to which every `data_offsets` pair is relative.
/// Opening validates the whole header: every entry's dtype, shape and offsets (see
/// `SafeTensorsError.Kind`). Reading assumes a little-endian host (x86_64, arm64).
///
/// The file is immutable once opened, so one instance can be read from many threads.
public final class SafeTensorsFile: @unchecked Sendable {
    /// The file this was opened from.
    public let url: URL
    /// The header's `"__metadata__"` object (empty when absent).
    public let metadata: [String: String]

    private let mapping: MemoryMappedFile
    /// Offset of the data buffer in the file: 8 + header length.
    private let dataStart: Int
    private let entries: [String: SafeTensorsHeader.Entry]
    private let sortedNames: [String]

    /// The largest JSON header read (100 MB, the limit of the reference implementation, the
    /// Rust `safetensors` crate): a header claiming more is refused before any of it is copied.
    public static let maximumHeaderByteCount = 100_000_000

    /// Opens and maps the file at `url` and validates its header. The file is opened by
    /// `ReadableFile`, so a FIFO, a device or a directory is refused without blocking.
    /// Throws `SafeTensorsError` naming the file and the problem.
    public init(contentsOf url: URL) throws {
        let mapping: MemoryMappedFile
        do {
            let file = try ReadableFile(url, expected: "a safetensors file")
            guard file.byteCount >= 8 else { throw SafeTensorsError(.fileTooShort(byteCount: file.byteCount), url: url) }
            mapping = try MemoryMappedFile(file)
        } catch let error as FileReadError {
            throw SafeTensorsError(error, url: url)
        }
        let headerLength = mapping.base.loadUnaligned(as: UInt64.self).littleEndian
        guard headerLength <= UInt64(mapping.byteCount - 8) else {
            throw SafeTensorsError(.headerLengthTooLarge(headerLength: headerLength, fileSize: mapping.byteCount),
                                   url: url)
        }
        guard headerLength <= UInt64(Self.maximumHeaderByteCount) else {
            throw SafeTensorsError(.headerTooLarge(headerLength: headerLength, limit: Self.maximumHeaderByteCount), url: url)
        }
        let dataStart = 8 + Int(headerLength)
        let json = Data(bytes: mapping.base + 8, count: Int(headerLength))
        let header = try SafeTensorsHeader(json: json, dataByteCount: mapping.byteCount - dataStart, url: url)

        self.url = url
        self.mapping = mapping
        self.dataStart = dataStart
        self.entries = header.entries
        self.metadata = header.metadata
        self.sortedNames = header.entries.keys.sorted()
    }

    /// The tensor names, sorted.
    public var names: [String] { sortedNames }

    /// The stored dtype of a tensor, or nil if the file has no tensor of that name.
    public func dtype(of name: String) -> SafeTensorsDType? { entries[name]?.dtype }

    /// The shape of a tensor, or nil if the file has no tensor of that name.
    public func shape(of name: String) -> [Int]? { entries[name]?.shape }

    /// Whether the file holds a tensor of that name.
    public func contains(_ name: String) -> Bool { entries[name] != nil }

    /// Reads one tensor, converting F16/BF16/F8 to Float32 (exactly).
    /// Throws `SafeTensorsError` (`.tensorNotFound`, listing similar names) for an unknown name.
    public func tensor(_ name: String) throws -> Tensor {
        guard let entry = entries[name] else {
            throw SafeTensorsError(.tensorNotFound(name: name, available: similarNames(to: name),
                                                   total: sortedNames.count), url: url)
        }
        let count = entry.elementCount
        let source = mapping.base + dataStart + entry.begin
        return Tensor(shape: entry.shape) { destination in
            guard count > 0, let target = destination.baseAddress else { return }
            switch entry.dtype {
            case .f32:
                UnsafeMutableRawPointer(target).copyMemory(from: source, byteCount: count * 4)
            case .f16:
                Self.withHalfWords(source, count: count) {
                    Float16Conversion.convert(float16: $0, into: destination)
                }
            case .bf16:
                Self.withHalfWords(source, count: count) {
                    Float16Conversion.convert(bfloat16: $0, into: destination)
                }
            case .f8E4M3:
                Float8Conversion.convert(e4m3fn: UnsafeRawBufferPointer(start: source, count: count), into: destination)
            case .f8E5M2:
                Float8Conversion.convert(e5m2: UnsafeRawBufferPointer(start: source, count: count), into: destination)
            }
        }
    }

    /// Writes one tensor's 16-bit patterns into `destination` (its element count), for a store
    /// that keeps half-precision weights: BF16 and F16 bits as stored, float8 widened exactly to
    /// bfloat16 (the kind `ParameterStorage(halfOf:)` names). The copied pages of the mapping are
    /// then given back to the kernel (`MemoryMappedFile.releasePages`), so a model read this way
    /// is resident once, in the store, not also as touched file pages. Throws
    /// `SafeTensorsError` for an unknown name, `TensorProviderError.notHalf` for an F32 tensor.
    public func halfTensor(_ name: String, into destination: UnsafeMutableBufferPointer<UInt16>) throws {
        guard let entry = entries[name] else {
            throw SafeTensorsError(.tensorNotFound(name: name, available: similarNames(to: name),
                                                   total: sortedNames.count), url: url)
        }
        let count = entry.elementCount
        precondition(destination.count == count, "\(name): \(count) values into a buffer of \(destination.count)")
        guard count > 0, let target = destination.baseAddress else { return }
        let source = mapping.base + dataStart + entry.begin
        switch entry.dtype {
        case .f32:
            throw TensorProviderError.notHalf(name: name, source: url.path)
        case .f16, .bf16:
            UnsafeMutableRawPointer(target).copyMemory(from: source, byteCount: count * 2)
        case .f8E4M3, .f8E5M2:
            // Widened a slice at a time through a small float32 buffer (both steps exact).
            let slice = 1 << 16
            var floats = [Float](repeating: 0, count: min(slice, count))
            var start = 0
            while start < count {
                let n = min(slice, count - start)
                floats.withUnsafeMutableBufferPointer { f in
                    let bytes = UnsafeRawBufferPointer(start: source + start, count: n)
                    let part = UnsafeMutableBufferPointer(rebasing: f[0..<n])
                    if entry.dtype == .f8E4M3 { Float8Conversion.convert(e4m3fn: bytes, into: part) } else { Float8Conversion.convert(e5m2: bytes, into: part) }
                    for i in 0..<n { target[start + i] = Float16Conversion.bfloat16Bits(part[i]) }
                }
                start += n
            }
        }
        mapping.releasePages(from: dataStart + entry.begin, byteCount: count * entry.dtype.byteCount)
    }

    /// Reads every tensor (see `tensor(_:)`).
    public func allTensors() throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        result.reserveCapacity(sortedNames.count)
        for name in sortedNames { result[name] = try tensor(name) }
        return result
    }

    /// Calls `body` with the 16-bit words at `source`: in place when 2-byte aligned (the
    /// usual case), through an aligned copy when a foreign writer left the data misaligned.
    private static func withHalfWords(_ source: UnsafeRawPointer, count: Int,
                                      _ body: (UnsafeBufferPointer<UInt16>) -> Void) {
        if Int(bitPattern: source) % MemoryLayout<UInt16>.alignment == 0 {
            source.withMemoryRebound(to: UInt16.self, capacity: count) {
                body(UnsafeBufferPointer(start: $0, count: count))
            }
        } else {
            let words = [UInt16](unsafeUninitializedCapacity: count) { buffer, initialized in
                UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: source, byteCount: count * 2)
                initialized = count
            }
            words.withUnsafeBufferPointer(body)
        }
    }

    /// Up to five names for a "not found" message: those sharing the longest prefix with
    /// `name` first (a key-mapping slip usually differs near the end), then alphabetical.
    private func similarNames(to name: String) -> [String] {
        func sharedPrefix(_ other: String) -> Int {
            zip(name.utf8, other.utf8).prefix { $0 == $1 }.count
        }
        return sortedNames
            .map { (name: $0, shared: sharedPrefix($0)) }
            .sorted { $0.shared != $1.shared ? $0.shared > $1.shared : $0.name < $1.name }
            .prefix(5)
            .map(\.name)
    }
}

extension SafeTensorsFile: CustomStringConvertible {
    public var description: String {
        "SafeTensorsFile(\(url.lastPathComponent), \(sortedNames.count) tensors)"
    }
}
