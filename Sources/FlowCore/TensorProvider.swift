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

    public var description: String {
        switch self {
        case let .missing(name, source): "no tensor named '\(name)' in \(source)"
        }
    }
}
