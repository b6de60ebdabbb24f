/// Tensors under a key prefix, with the prefix removed (e.g. the `transformer.` part of a demo model).
public struct PrefixedTensors: TensorProvider {
    public let source: TensorProvider
    public let prefix: String

    public init(_ source: TensorProvider, prefix: String) {
        self.source = source
        self.prefix = prefix
    }

    public var tensorNames: [String] {
        source.tensorNames.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }
    public func tensorShape(_ name: String) -> [Int]? { source.tensorShape(prefix + name) }
    public func loadTensor(_ name: String) throws -> Tensor { try source.loadTensor(prefix + name) }
    public var sourceDescription: String { "\(source.sourceDescription) [\(prefix)*]" }
    public func halfStorage(_ name: String) -> ParameterStorage? { source.halfStorage(prefix + name) }
    public func loadHalfTensor(_ name: String, into destination: UnsafeMutableBufferPointer<UInt16>) throws {
        try source.loadHalfTensor(prefix + name, into: destination)
    }
    public func blockType(_ name: String) -> GGUFBlockType? { source.blockType(prefix + name) }
    public func loadBlocks(_ name: String, into destination: UnsafeMutableRawBufferPointer) throws {
        try source.loadBlocks(prefix + name, into: destination)
    }
}
