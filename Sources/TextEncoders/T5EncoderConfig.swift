import Foundation
import FlowCore

/// The shape of a T5 encoder (transformers' `T5Config` as `T5EncoderModel` uses it): SD3's
/// `text_encoder_3`, T5-v1.1-XXL. Each field's comment gives the XXL value. Read from a
/// transformers `config.json` (`init(contentsOf:)`, transformers' defaults for absent keys) or from
/// the weights alone (`detect(from:)`).
public struct T5EncoderConfig: Codable, Equatable, Sendable {
    /// Token ids: 32128.
    public var vocabSize: Int
    /// Width D: 4096.
    public var dModel: Int
    /// Head width Dkv: 64 (heads × Dkv need not be D).
    public var dKV: Int
    /// Feed-forward width F: 10240.
    public var dFF: Int
    /// Encoder blocks: 24.
    public var numLayers: Int
    /// Attention heads: 64.
    public var numHeads: Int
    /// Relative-position buckets (half per direction): 32.
    public var relativeAttentionNumBuckets: Int
    /// Distance from which all positions share the last bucket: 128.
    public var relativeAttentionMaxDistance: Int
    /// RMS norm epsilon: 1e-6.
    public var layerNormEpsilon: Float
    /// "gated-gelu" (T5 v1.1: gelu_new(wi_0 x) ⊙ wi_1 x), or "[gated-]ACT" with ACT relu, gelu,
    /// gelu_new, gelu_pytorch_tanh ("relu" is the original T5).
    public var feedForwardProj: String

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", dModel = "d_model", dKV = "d_kv", dFF = "d_ff", numLayers = "num_layers"
        case numHeads = "num_heads", relativeAttentionNumBuckets = "relative_attention_num_buckets"
        case relativeAttentionMaxDistance = "relative_attention_max_distance"
        case layerNormEpsilon = "layer_norm_epsilon", feedForwardProj = "feed_forward_proj"
    }

    public init(vocabSize: Int = 32128, dModel: Int, dKV: Int, dFF: Int, numLayers: Int, numHeads: Int,
                relativeAttentionNumBuckets: Int = 32, relativeAttentionMaxDistance: Int = 128,
                layerNormEpsilon: Float = 1e-6, feedForwardProj: String = "gated-gelu") {
        self.vocabSize = vocabSize
        self.dModel = dModel
        self.dKV = dKV
        self.dFF = dFF
        self.numLayers = numLayers
        self.numHeads = numHeads
        self.relativeAttentionNumBuckets = relativeAttentionNumBuckets
        self.relativeAttentionMaxDistance = relativeAttentionMaxDistance
        self.layerNormEpsilon = layerNormEpsilon
        self.feedForwardProj = feedForwardProj
    }

    /// SD3's `text_encoder_3` (T5-v1.1-XXL encoder).
    public static let xxl = T5EncoderConfig(dModel: 4096, dKV: 64, dFF: 10240, numLayers: 24, numHeads: 64)

    public init(from decoder: Decoder) throws {
        // Defaults: transformers 5.24 T5Config.
        let c = try decoder.container(keyedBy: CodingKeys.self)
        vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? 32128
        dModel = try c.decodeIfPresent(Int.self, forKey: .dModel) ?? 512
        dKV = try c.decodeIfPresent(Int.self, forKey: .dKV) ?? 64
        dFF = try c.decodeIfPresent(Int.self, forKey: .dFF) ?? 2048
        numLayers = try c.decodeIfPresent(Int.self, forKey: .numLayers) ?? 6
        numHeads = try c.decodeIfPresent(Int.self, forKey: .numHeads) ?? 8
        relativeAttentionNumBuckets = try c.decodeIfPresent(Int.self, forKey: .relativeAttentionNumBuckets) ?? 32
        relativeAttentionMaxDistance = try c.decodeIfPresent(Int.self, forKey: .relativeAttentionMaxDistance) ?? 128
        layerNormEpsilon = try c.decodeIfPresent(Float.self, forKey: .layerNormEpsilon) ?? 1e-6
        feedForwardProj = try c.decodeIfPresent(String.self, forKey: .feedForwardProj) ?? "relu"
    }

    /// Reads a transformers `config.json` (`text_encoder_3/` of a diffusers folder).
    public init(contentsOf url: URL) throws {
        self = try decodeConfigFile(T5EncoderConfig.self, url, what: "a T5 config")
        do { try validate() } catch { throw TextModelError.configFile(source: url.path, reason: "\(error)") }
    }

    /// Attention width heads·Dkv: 4096.
    public var innerDim: Int { numHeads * dKV }

    /// The feed-forward: gated or not, and its activation (as transformers' T5Config reads
    /// `feed_forward_proj`, "gated-gelu" meaning gelu_new), or nil when not supported.
    public var feedForward: (gated: Bool, activation: T5Activation)? {
        let parts = feedForwardProj.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 1 || (parts.count == 2 && parts[0] == "gated") else { return nil }
        if feedForwardProj == "gated-gelu" { return (true, .geluNew) }
        guard let act = T5Activation(rawValue: parts.last!) else { return nil }
        return (parts.count == 2, act)
    }

    /// Checks that the numbers describe a model that can run.
    public func validate() throws {
        func fail(_ why: String) -> TextModelError { .invalidConfig("T5: " + why) }
        guard vocabSize >= 1, dModel >= 1, dKV >= 1, dFF >= 1, numLayers >= 1, numHeads >= 1 else {
            throw fail("every size must be positive: \(self)")
        }
        guard relativeAttentionNumBuckets >= 4, relativeAttentionMaxDistance > relativeAttentionNumBuckets / 4 else {
            throw fail("relative attention needs at least 4 buckets and a max distance above buckets/4 (got \(relativeAttentionNumBuckets), \(relativeAttentionMaxDistance))")
        }
        guard feedForward != nil else {
            throw fail("feed_forward_proj \"\(feedForwardProj)\" is not supported (FlowStudio has [gated-]relu, gelu, gelu_new, gelu_pytorch_tanh)")
        }
        guard layerNormEpsilon.isFinite, layerNormEpsilon > 0 else { throw fail("layer_norm_epsilon must be positive (got \(layerNormEpsilon))") }
    }

    /// Reads the config from tensor names and shapes (transformers layout): D and vocabulary from
    /// the embedding (`shared.weight` or `encoder.embed_tokens.weight`), buckets and heads from
    /// block 0's relative-attention table [buckets, H], Dkv = rows of `q` / H, F from `wi_0`
    /// (gated: "gated-gelu", T5 v1.1) or `wi` (not gated: "relu"), blocks by count; max
    /// distance 128 and eps 1e-6 (every published T5).
    public static func detect(from weights: TensorProvider) throws -> T5EncoderConfig {
        let source = weights.sourceDescription
        func shape(_ key: String) throws -> [Int] {
            guard let s = weights.tensorShape(key) else {
                throw TextModelError.cannotDetect(source: source, reason: "no tensor '\(key)'; is this a T5 encoder in transformers layout?")
            }
            guard s.count == 2 else {
                throw TextModelError.cannotDetect(source: source, reason: "'\(key)' has shape \(describeShape(s)), expected 2 dimensions")
            }
            return s
        }
        let embedding = try weights.tensorShape("shared.weight") != nil ? shape("shared.weight") : shape("encoder.embed_tokens.weight")
        let table = try shape("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight")  // [buckets, H]
        let q = try shape("encoder.block.0.layer.0.SelfAttention.q.weight")  // [H·Dkv, D]
        let prefix = "encoder.block."
        let indices = Set(weights.tensorNames.compactMap { name -> Int? in
            guard name.hasPrefix(prefix) else { return nil }
            return Int(name.dropFirst(prefix.count).prefix { $0 != "." })
        })
        guard indices == Set(0..<indices.count) else {
            throw TextModelError.cannotDetect(source: source, reason: "block indices are not 0..<\(indices.count): \(indices.sorted())")
        }
        let heads = table[1]
        guard heads > 0, q[0] % heads == 0 else {
            throw TextModelError.cannotDetect(source: source, reason: "q has \(q[0]) rows, not a multiple of the \(heads) heads of the relative-attention table")
        }
        let gated = weights.tensorShape("encoder.block.0.layer.1.DenseReluDense.wi_0.weight") != nil
        let ff = try shape("encoder.block.0.layer.1.DenseReluDense." + (gated ? "wi_0" : "wi") + ".weight")  // [F, D]
        let config = T5EncoderConfig(vocabSize: embedding[0], dModel: embedding[1], dKV: q[0] / heads, dFF: ff[0],
                                     numLayers: indices.count, numHeads: heads, relativeAttentionNumBuckets: table[0],
                                     feedForwardProj: gated ? "gated-gelu" : "relu")
        try config.validate()
        return config
    }

    /// transformers' `T5Attention._relative_position_bucket` for `relative` = key − query
    /// position: half the buckets per direction (keys after the query in the upper half), of
    /// which half are exact distances and half logarithmic up to the max distance. The
    /// logarithmic part is computed in Float32 as PyTorch does it, then truncated.
    public func relativePositionBucket(_ relative: Int, bidirectional: Bool = true) -> Int {
        var buckets = relativeAttentionNumBuckets, result = 0, distance = relative
        if bidirectional {
            buckets /= 2
            if distance > 0 { result += buckets }
            distance = abs(distance)
        } else {
            distance = -min(distance, 0)
        }
        let maxExact = buckets / 2
        if distance < maxExact { return result + distance }
        // log(d / maxExact) / log(maxDistance / maxExact) · (buckets − maxExact), each step in Float32.
        let ratio = Float(distance) / Float(maxExact)
        let span = Float(log(Double(relativeAttentionMaxDistance) / Double(maxExact)))
        let large = maxExact + Int(log(ratio) / span * Float(buckets - maxExact))
        return result + min(large, buckets - 1)
    }
}

/// The feed-forward activations a T5 config may name.
public enum T5Activation: String, Sendable {
    case relu
    /// Exact erf GELU.
    case gelu
    /// The tanh approximation (T5 v1.1's "gated-gelu").
    case geluNew = "gelu_new"
    case geluPyTorchTanh = "gelu_pytorch_tanh"

    /// Applies the activation to `count` floats in place.
    public func apply(_ x: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .relu: for i in 0..<count { x[i] = max(x[i], 0) }
        case .gelu: geluErfInPlace(x, count: count)
        case .geluNew, .geluPyTorchTanh: geluTanhInPlace(x, count: count)
        }
    }
}
