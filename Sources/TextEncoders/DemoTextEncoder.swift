import FlowCore

/// The demo text encoder for inference: the word tokenizer in front of the `DemoTextTransformer`,
/// prompts → (context [B, L, E], pooled [B, E]).
public struct DemoTextEncoder: Sendable {
    public let config: TextEncoderConfig
    public let tokenizer: WordTokenizer
    /// The transformer, over its own parameter store.
    public let network: DemoTextTransformer

    /// Loads from a provider holding the text encoder's keys without their `text_encoder.` prefix
    /// (e.g. `PrefixedTensors(file, prefix: TextEncoderConfig.prefix)`). Strict: a missing key, an
    /// unused one or a shape mismatch throws, every problem listed. `precision` is the arithmetic
    /// of its products.
    public init(config: TextEncoderConfig, tokenizer: WordTokenizer, weights: TensorProvider,
                precision: MatrixPrecision = .float32) throws {
        try config.validate()
        guard tokenizer.vocabularySize == config.vocabularySize, tokenizer.length == config.length else {
            throw TextEncoderError.weights("the tokenizer (\(tokenizer.vocabularySize) tokens, length \(tokenizer.length)) does not fit the config (\(config.vocabularySize), \(config.length))")
        }
        let store = ParameterStore()
        var network = DemoTextTransformer(config: config, declaringIn: store)
        network.precision = precision
        self.network = network
        do {
            try store.load(from: weights, prefix: TextEncoderConfig.prefix)
        } catch {
            throw TextEncoderError.weights(error.description)
        }
        self.config = config
        self.tokenizer = tokenizer
    }

    /// Encodes token sequences [B][L] → (context [B, L, E], pooled [B, E]).
    public func encode(tokens: [[Int]]) -> (context: Tensor, pooled: Tensor) {
        let out = network.forward(tokens: tokens, tape: nil)
        return (out.context.tensor([tokens.count, config.length, config.width]), out.pooled.tensor([tokens.count, config.width]))
    }

    /// Tokenizes and encodes prompts.
    public func encode(prompts: [String]) -> (context: Tensor, pooled: Tensor, unknownWords: [String]) {
        let encodings = prompts.map(tokenizer.encode)
        let (context, pooled) = encode(tokens: encodings.map(\.tokens))
        return (context, pooled, encodings.flatMap(\.unknownWords))
    }
}
