import Foundation
import FlowCore

/// One component's weights, found and opened (memory-mapped; no tensor data read yet), in its
/// canonical key layout (`SD3WeightLayout`), with its `config.json` when it has one.
public struct SD3ComponentWeights: @unchecked Sendable {
    /// Which component.
    public let component: SD3Component
    /// The tensors, under canonical names, read on demand (as Float32, or as their 16-bit bits
    /// for a store that keeps half-precision matrices).
    public let weights: TensorProvider
    /// The layout of `weights`' names.
    public let layout: SD3WeightLayout
    /// Where they were found: a file, an index, or a file and the prefix inside it (for messages).
    public let source: String
    /// The component's `config.json` (diffusers / transformers), when there is one.
    public let configURL: URL?
    /// That file's bytes, checked to be a JSON object; decode them with the component's own config type.
    public let config: Data?

    public init(component: SD3Component, weights: TensorProvider, layout: SD3WeightLayout, source: String,
                configURL: URL? = nil, config: Data? = nil) {
        self.component = component
        self.weights = weights
        self.layout = layout
        self.source = source
        self.configURL = configURL
        self.config = config
    }

    /// The number of stored elements, from the headers (no data read).
    public var elementCount: Int {
        weights.tensorNames.reduce(0) { $0 + (weights.tensorShape($1)?.reduce(1, *) ?? 0) }
    }

    /// How the component's model is told to hold its matrices: the MM-DiT and the text encoders
    /// keep their linear weights in the file's 16-bit dtype; the VAE (convolutions) is float32.
    public static func matrixStorage(_ component: SD3Component) -> MatrixStorage {
        component == .vae ? .float32 : .asStored
    }

    /// Tables read by index, not through `Linear` (the encoders' token, position and relative
    /// position tables), which stay float32 whatever the file's dtype.
    static let tableSuffixes = ["embeddings.token_embedding.weight", "embeddings.position_embedding.weight",
                                "shared.weight", "embed_tokens.weight", "relative_attention_bias.weight"]

    /// Whether some weight matrix (a `.weight` of rank ≥ 2 that is not a table, which the models
    /// read through `Linear`) would be held in 16 bits (`matrixStorage`), from the headers.
    public var hasHalfMatrices: Bool {
        Self.matrixStorage(component) == .asStored && weights.tensorNames.contains { isHalfMatrix($0) }
    }

    /// The bytes the loaded model holds, from the headers (no data read): 2 per element of the
    /// matrices kept in 16 bits (`matrixStorage`: every `.weight` of rank ≥ 2 but the tables that
    /// the file stores in BF16 / F16 / F8: exactly the models' `Linear` weights), the block bytes
    /// of those a GGUF file stores quantized (rows of whole blocks), 4 for the rest.
    public var heldBytes: Int {
        weights.tensorNames.reduce(0) { total, name in
            let count = weights.tensorShape(name)?.reduce(1, *) ?? 0
            guard Self.matrixStorage(component) == .asStored else { return total + count * 4 }
            if isHalfMatrix(name) { return total + count * 2 }
            if let blocks = blockMatrixStorage(name) { return total + blocks.byteCount(elements: count) }
            return total + count * 4
        }
    }

    /// The bytes of the `Linear` weights as they will be held, per storage kind, from the headers
    /// (for `PrecisionSummary`).
    public var matrixBytes: [ParameterStorage: Int] {
        var bytes: [ParameterStorage: Int] = [:]
        for name in weights.tensorNames where isMatrix(name) {
            let count = weights.tensorShape(name)?.reduce(1, *) ?? 0
            var kind = ParameterStorage.float32
            if Self.matrixStorage(component) == .asStored {
                kind = (isHalfMatrix(name) ? weights.halfStorage(name) : nil) ?? blockMatrixStorage(name) ?? .float32
            }
            bytes[kind, default: 0] += kind.byteCount(elements: count)
        }
        return bytes
    }

    private func isMatrix(_ name: String) -> Bool {
        name.hasSuffix(".weight") && !Self.tableSuffixes.contains(where: { name.hasSuffix($0) })
            && (weights.tensorShape(name)?.count ?? 0) >= 2
    }

    private func isHalfMatrix(_ name: String) -> Bool {
        isMatrix(name) && weights.halfStorage(name) != nil
    }

    /// How a matrix the file stores as GGUF blocks is held (rows of whole blocks), or nil.
    private func blockMatrixStorage(_ name: String) -> ParameterStorage? {
        guard isMatrix(name), let type = weights.blockType(name), let shape = weights.tensorShape(name) else { return nil }
        let storage = ParameterStorage.blocks(type)
        return storage.canHold(shape: shape) ? storage : nil
    }
}
