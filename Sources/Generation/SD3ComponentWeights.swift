import Foundation
import FlowCore

/// One component's weights, found and opened (memory-mapped; no tensor data read yet), in its
/// canonical key layout (`SD3WeightLayout`), with its `config.json` when it has one.
public struct SD3ComponentWeights: @unchecked Sendable {
    /// Which component.
    public let component: SD3Component
    /// The tensors, under canonical names, read as Float32 on demand.
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
}
