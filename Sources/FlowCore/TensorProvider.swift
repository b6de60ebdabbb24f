/// Anything that hands out named tensors: a safetensors file, a dictionary, a renaming view.
public protocol TensorProvider {
    /// Every tensor name it holds.
    var tensorNames: [String] { get }
    /// The shape of a tensor, or nil when there is no tensor of that name.
    func tensorShape(_ name: String) -> [Int]?
    /// Reads one tensor as Float32.
    func loadTensor(_ name: String) throws -> Tensor
    /// Where the tensors come from, for error messages (a file path, "random init", …).
    var sourceDescription: String { get }
    /// The 16-bit kind (`.bfloat16` or `.float16`) in which `loadHalfTensor` hands the tensor out
    /// exactly, or nil when it can only be read as Float32 (the default: an F32 tensor, a view
    /// that computes its values, or a provider that does not know its dtypes).
    func halfStorage(_ name: String) -> ParameterStorage?
    /// Writes the tensor's 16-bit patterns, of kind `halfStorage(name)`, into `destination`
    /// (its element count). Only for tensors whose `halfStorage` is not nil.
    func loadHalfTensor(_ name: String, into destination: UnsafeMutableBufferPointer<UInt16>) throws
    /// The GGUF block type (a quantized one, `GGUFBlockType.widensRows`) in which `loadBlocks`
    /// hands the tensor out as stored, or nil (the default: anything but a GGUF file's quantized
    /// tensor, or a view that computes its values).
    func blockType(_ name: String) -> GGUFBlockType?
    /// Writes the tensor's blocks, of type `blockType(name)`, into `destination` (exactly the
    /// tensor's block bytes, rows of whole blocks in PyTorch's order). Only for tensors whose
    /// `blockType` is not nil.
    func loadBlocks(_ name: String, into destination: UnsafeMutableRawBufferPointer) throws
}

extension TensorProvider {
    public func halfStorage(_ name: String) -> ParameterStorage? { nil }
    public func loadHalfTensor(_ name: String, into destination: UnsafeMutableBufferPointer<UInt16>) throws {
        throw TensorProviderError.notHalf(name: name, source: sourceDescription)
    }
    public func blockType(_ name: String) -> GGUFBlockType? { nil }
    public func loadBlocks(_ name: String, into destination: UnsafeMutableRawBufferPointer) throws {
        throw TensorProviderError.notHalf(name: name, source: sourceDescription)
    }
}

/// Tensors held in memory under their names.
public struct TensorDictionary: TensorProvider, Sendable {
    public var tensors: [String: Tensor]
    public var sourceDescription: String

    public init(_ tensors: [String: Tensor], sourceDescription: String = "in-memory tensors") {
        self.tensors = tensors
        self.sourceDescription = sourceDescription
    }

    public var tensorNames: [String] { tensors.keys.sorted() }
    public func tensorShape(_ name: String) -> [Int]? { tensors[name]?.shape }
    public func loadTensor(_ name: String) throws -> Tensor {
        guard let t = tensors[name] else { throw TensorProviderError.missing(name: name, source: sourceDescription) }
        return t
    }
}

/// A tensor asked for by name is not there.
public enum TensorProviderError: Error, CustomStringConvertible {
    case missing(name: String, source: String)
    /// `loadHalfTensor` was asked for a tensor the provider holds only as Float32 (a programming slip).
    case notHalf(name: String, source: String)

    public var description: String {
        switch self {
        case let .missing(name, source): "no tensor named '\(name)' in \(source)"
        case let .notHalf(name, source): "'\(name)' in \(source) cannot be read in 16 bits or as blocks; read it as Float32"
        }
    }
}
