import Foundation

extension SafeTensorsFile: TensorProvider {
    public var tensorNames: [String] { names }
    public func tensorShape(_ name: String) -> [Int]? { shape(of: name) }
    public func loadTensor(_ name: String) throws -> Tensor { try tensor(name) }
    public var sourceDescription: String { url.path }
    public func halfStorage(_ name: String) -> ParameterStorage? { dtype(of: name).flatMap(ParameterStorage.init(halfOf:)) }
    public func loadHalfTensor(_ name: String, into destination: UnsafeMutableBufferPointer<UInt16>) throws {
        try halfTensor(name, into: destination)
    }
}
