/// The demo text encoder: a small pre-norm transformer over word tokens, trained jointly with
/// the MM-DiT. Its token states are the context sequence c_ctxt and the `<cls>` state the pooled
/// vector c_vec — where an SD3 model takes CLIP/T5 outputs.
public struct TextEncoderConfig: Codable, Equatable, Sendable {
    /// Vocabulary size including the two special tokens.
    public var vocabularySize: Int
    /// Tokens per sequence (`<cls>` + words + padding).
    public var length: Int
    /// Width E of every token state (= the MM-DiT's context and pooled widths).
    public var width: Int
    public var layers: Int
    public var heads: Int
    /// MLP hidden width (4E).
    public var mlpWidth: Int

    public init(vocabularySize: Int, length: Int = 24, width: Int = 256, layers: Int = 2, heads: Int = 4) {
        self.vocabularySize = vocabularySize
        self.length = length
        self.width = width
        self.layers = layers
        self.heads = heads
        self.mlpWidth = 4 * width
    }

    /// Checks that the numbers describe an encoder that can run (a model file's description may
    /// have been edited by hand).
    public func validate() throws {
        func fail(_ why: String) -> TextEncoderError { .invalidConfig(why) }
        guard vocabularySize >= 3 else { throw fail("the vocabulary must have at least 3 tokens (got \(vocabularySize))") }
        guard length >= 2 else { throw fail("the sequence length must be at least 2 (got \(length))") }
        guard layers >= 0 else { throw fail("the layer count must not be negative (got \(layers))") }
        guard width >= 1 else { throw fail("the width must be positive (got \(width))") }
        guard heads >= 1 else { throw fail("the number of attention heads must be positive (got \(heads))") }
        guard width % heads == 0 else { throw fail("width \(width) is not divisible by \(heads) heads") }
        guard mlpWidth >= 1 else { throw fail("the MLP width must be positive (got \(mlpWidth))") }
    }

    /// Every weight key (prefix "text_encoder.") with its shape.
    public var weightShapes: [(key: String, shape: [Int])] {
        let e = width
        var shapes: [(String, [Int])] = [
            ("token_embedding.weight", [vocabularySize, e]),
            ("position_embedding.weight", [length, e]),
        ]
        for i in 0..<layers {
            let p = "layers.\(i)."
            shapes += [
                (p + "norm1.weight", [e]),
                (p + "attn.qkv.weight", [3 * e, e]), (p + "attn.qkv.bias", [3 * e]),
                (p + "attn.out.weight", [e, e]), (p + "attn.out.bias", [e]),
                (p + "norm2.weight", [e]),
                (p + "mlp.up.weight", [mlpWidth, e]), (p + "mlp.up.bias", [mlpWidth]),
                (p + "mlp.down.weight", [e, mlpWidth]), (p + "mlp.down.bias", [e]),
            ]
        }
        shapes.append(("final_norm.weight", [e]))
        return shapes.map { (TextEncoderConfig.prefix + $0.0, $0.1) }
    }

    public static let prefix = "text_encoder."
}
