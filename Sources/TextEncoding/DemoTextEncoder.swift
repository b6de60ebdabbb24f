import FlowCore

/// Errors loading or running the demo text encoder.
public enum TextEncoderError: Error, CustomStringConvertible {
    case weights(String)
    case invalidConfig(String)

    public var description: String {
        switch self {
        case let .weights(why): "text encoder weights: \(why)"
        case let .invalidConfig(why): "text encoder description: \(why)"
        }
    }
}

/// The demo text encoder for inference: tokens → (context [B, L, E], pooled [B, E]).
/// Layer i: x += Attn(RMSNorm(x)); x += MLP(RMSNorm(x)) (GELU-tanh); then a final RMSNorm.
public struct DemoTextEncoder: Sendable {
    public let config: TextEncoderConfig
    public let tokenizer: WordTokenizer
    let tokenEmbedding: Tensor     // [V, E]
    let positionEmbedding: Tensor  // [L, E]
    struct Layer: Sendable {
        let norm1: Tensor, qkv: Linear, out: Linear, norm2: Tensor, up: Linear, down: Linear
    }
    let layers: [Layer]
    let finalNorm: Tensor          // [E]

    /// Loads from a provider holding the `text_encoder.*` keys (strict: missing or mis-shaped keys throw).
    public init(config: TextEncoderConfig, tokenizer: WordTokenizer, weights: TensorProvider) throws {
        try config.validate()
        guard tokenizer.vocabularySize == config.vocabularySize, tokenizer.length == config.length else {
            throw TextEncoderError.weights("the tokenizer (\(tokenizer.vocabularySize) tokens, length \(tokenizer.length)) does not fit the config (\(config.vocabularySize), \(config.length))")
        }
        var tensors: [String: Tensor] = [:]
        for (key, shape) in config.weightShapes {
            guard let actual = weights.tensorShape(key) else {
                throw TextEncoderError.weights("missing '\(key)' in \(weights.sourceDescription)")
            }
            guard actual == shape else {
                throw TextEncoderError.weights("'\(key)' in \(weights.sourceDescription) has shape \(describeShape(actual)), expected \(describeShape(shape))")
            }
            tensors[key] = try weights.loadTensor(key)
        }
        func t(_ k: String) -> Tensor { tensors[TextEncoderConfig.prefix + k]! }
        func linear(_ k: String) -> Linear { Linear(weight: t(k + ".weight"), bias: t(k + ".bias")) }
        self.config = config
        self.tokenizer = tokenizer
        tokenEmbedding = t("token_embedding.weight")
        positionEmbedding = t("position_embedding.weight")
        layers = (0..<config.layers).map { i in
            let p = "layers.\(i)."
            return Layer(norm1: t(p + "norm1.weight"), qkv: linear(p + "attn.qkv"), out: linear(p + "attn.out"),
                         norm2: t(p + "norm2.weight"), up: linear(p + "mlp.up"), down: linear(p + "mlp.down"))
        }
        finalNorm = t("final_norm.weight")
    }

    /// Encodes token sequences [B][L] → (context [B, L, E], pooled [B, E]).
    public func encode(tokens: [[Int]]) -> (context: Tensor, pooled: Tensor) {
        let (batch, length, e) = (tokens.count, config.length, config.width)
        var x = Tensor(shape: [batch, length, e]) { out in
            for (b, sequence) in tokens.enumerated() {
                for (l, token) in sequence.enumerated() {
                    for i in 0..<e {
                        out[(b * length + l) * e + i] = tokenEmbedding.scalars[token * e + i] + positionEmbedding.scalars[l * e + i]
                    }
                }
            }
        }
        for layer in layers {
            let qkv = layer.qkv(rmsNorm(x, weight: layer.norm1))  // [B, L, 3E]
            let parts = (0..<3).map { part in
                Tensor(shape: [batch, length, e]) { out in
                    for r in 0..<(batch * length) {
                        for i in 0..<e { out[r * e + i] = qkv.scalars[r * 3 * e + part * e + i] }
                    }
                }
            }
            x = x + layer.out(attention(q: parts[0], k: parts[1], v: parts[2], heads: config.heads))
            x = x + layer.down(geluTanh(layer.up(rmsNorm(x, weight: layer.norm2))))
        }
        let context = rmsNorm(x, weight: finalNorm)
        let pooled = Tensor(shape: [batch, e]) { out in
            for b in 0..<batch { for i in 0..<e { out[b * e + i] = context.scalars[b * length * e + i] } }
        }
        return (context, pooled)
    }

    /// Tokenizes and encodes prompts.
    public func encode(prompts: [String]) -> (context: Tensor, pooled: Tensor, unknownWords: [String]) {
        let encodings = prompts.map(tokenizer.encode)
        let (context, pooled) = encode(tokens: encodings.map(\.tokens))
        return (context, pooled, encodings.flatMap(\.unknownWords))
    }
}
