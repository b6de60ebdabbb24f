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

    /// The values `validate()` accepts for each field (the bundled model: 39 tokens, 24 long,
    /// 256 wide, 2 layers, 4 heads, MLP 1024), so that a description claiming more is refused
    /// before anything is allocated.
    public enum Limits {
        public static let vocabularySize = 3...1_000_000
        public static let length = 2...4096
        public static let width = 1...16_384
        public static let layers = 0...64
        public static let heads = 1...256
        public static let mlpWidth = 1...65_536
        /// Parameters in all.
        public static let parameters = 1...4_000_000_000
    }

    /// Checks that the numbers describe an encoder that can run (a model file's description may
    /// have been edited by hand), each within `Limits`: a hostile value is one
    /// `TextEncoderError.invalidConfig` naming the field, its value and the allowed range.
    public func validate() throws {
        func check(_ field: String, _ value: Int, _ range: ClosedRange<Int>) throws {
            guard range.contains(value) else {
                throw TextEncoderError.invalidConfig("\(field) is \(value); it must be in \(range.lowerBound)…\(range.upperBound)")
            }
        }
        try check("vocabularySize", vocabularySize, Limits.vocabularySize)
        try check("length", length, Limits.length)
        try check("width", width, Limits.width)
        try check("layers", layers, Limits.layers)
        try check("heads", heads, Limits.heads)
        guard width % heads == 0 else { throw TextEncoderError.invalidConfig("width \(width) is not divisible by \(heads) heads") }
        try check("mlpWidth", mlpWidth, Limits.mlpWidth)
        // Within the limits above no product overflows; the sum is checked against the cap.
        let perLayer = 4 * width * width + 2 * width * mlpWidth + 8 * width + mlpWidth
        let parameters = (vocabularySize + length + 1) * width + layers * perLayer
        guard Limits.parameters.contains(parameters) else {
            throw TextEncoderError.invalidConfig("an encoder of this shape has \(parameters) parameters; at most \(Limits.parameters.upperBound) are supported")
        }
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
