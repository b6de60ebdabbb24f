import Foundation

/// A GGUF file hands out its tensors as Float32 in PyTorch's shapes, under their stored names;
/// F16 / BF16 tensors also as their 16-bit patterns, and quantized tensors (Q8_0, Q4_0, …) as
/// their blocks, so that a `ParameterStore` with `matrices: .asStored` keeps them as stored.
extension GGUFFile: TensorProvider {
    public var tensorNames: [String] { names }
    public func tensorShape(_ name: String) -> [Int]? { info(name)?.shape }
    public func loadTensor(_ name: String) throws -> Tensor { try tensor(name) }
    public var sourceDescription: String { url.path }

    public func halfStorage(_ name: String) -> ParameterStorage? {
        switch info(name)?.type {
        case .f16: .float16
        case .bf16: .bfloat16
        default: nil
        }
    }

    public func loadHalfTensor(_ name: String, into destination: UnsafeMutableBufferPointer<UInt16>) throws {
        guard halfStorage(name) != nil else { throw TensorProviderError.notHalf(name: name, source: sourceDescription) }
        try copyStoredBytes(name, into: UnsafeMutableRawBufferPointer(destination))
    }

    public func blockType(_ name: String) -> GGUFBlockType? {
        guard let type = info(name)?.type, type.widensRows else { return nil }
        return type
    }

    public func loadBlocks(_ name: String, into destination: UnsafeMutableRawBufferPointer) throws {
        guard blockType(name) != nil else { throw TensorProviderError.notHalf(name: name, source: sourceDescription) }
        try copyStoredBytes(name, into: destination)
    }

    /// Copies a tensor's stored bytes, which must fill `destination` exactly.
    private func copyStoredBytes(_ name: String, into destination: UnsafeMutableRawBufferPointer) throws {
        try withStoredBytes(name) { bytes in
            guard bytes.count == destination.count else {
                throw TensorProviderError.missing(name: "\(name) (\(destination.count) bytes asked, \(bytes.count) stored)",
                                                  source: sourceDescription)
            }
            destination.copyMemory(from: bytes)
        }
    }
}
