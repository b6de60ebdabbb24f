import Foundation

/// A GGUF file hands out its tensors as Float32 in PyTorch's shapes, under their stored names.
extension GGUFFile: TensorProvider {
    public var tensorNames: [String] { names }
    public func tensorShape(_ name: String) -> [Int]? { info(name)?.shape }
    public func loadTensor(_ name: String) throws -> Tensor { try tensor(name) }
    public var sourceDescription: String { url.path }
}
