import FlowCore

/// One picture's activations inside the decoder: `[C, H, W]` float32 in a heap buffer that frees
/// itself when the last reference goes (the decoder drops each map as soon as the next exists).
public struct FeatureMap: @unchecked Sendable {
    public let buffer: FloatBuffer  // [C, H, W]
    public let channels: Int
    public let height: Int
    public let width: Int

    /// A map whose elements the caller overwrites.
    public init(uninitializedChannels channels: Int, height: Int, width: Int) {
        buffer = FloatBuffer(uninitialized: channels * height * width)
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// Item `index` of a `[B, C, H, W]` tensor.
    public init(_ tensor: Tensor, item index: Int) {
        precondition(tensor.rank == 4 && index < tensor.shape[0], "a feature map comes from [B, C, H, W], got \(tensor.shape)")
        self.init(uninitializedChannels: tensor.shape[1], height: tensor.shape[2], width: tensor.shape[3])
        let n = buffer.count
        tensor.scalars.withUnsafeBufferPointer { buffer.p.update(from: $0.baseAddress! + index * n, count: n) }
    }

    /// Pixels per channel: H·W.
    public var plane: Int { height * width }
    /// The elements, `[C, H, W]`.
    public var pointer: UnsafeMutablePointer<Float> { buffer.p }

    /// A copy as a `[1, C, H, W]` tensor.
    public func tensor() -> Tensor { buffer.tensor([1, channels, height, width]) }
}
