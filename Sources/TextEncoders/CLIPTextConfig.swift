import Foundation
import FlowCore

/// The shape of a CLIP text transformer (transformers' `CLIPTextConfig`), as SD3 uses two:
/// `text_encoder` = OpenAI CLIP-L/14 and `text_encoder_2` = OpenCLIP bigG/14. Each field's
/// comment gives CLIP-L / bigG. Read from a transformers `config.json` (`init(contentsOf:)`,
/// snake_case keys, transformers' defaults for absent keys) or from the weights alone
/// (`detect(from:role:)`).
public struct CLIPTextConfig: Codable, Equatable, Sendable {
    /// Which of SD3's CLIPs a file without `config.json` holds: it sets the activation, which the
    /// weights cannot tell.
    public enum Role: String, Sendable {
        /// CLIP-L/14: `quick_gelu`.
        case clipL
        /// OpenCLIP bigG/14: exact (erf) `gelu`.
        case clipG
    }

    /// Token ids: 49408 / 49408.
    public var vocabSize: Int
    /// Width W: 768 / 1280.
    public var hiddenSize: Int
    /// MLP hidden width F: 3072 / 5120.
    public var intermediateSize: Int
    /// Attention heads (of 64): 12 / 20.
    public var numAttentionHeads: Int
    /// Transformer layers: 12 / 32.
    public var numHiddenLayers: Int
    /// Rows of the learned position table (the longest sequence): 77 / 77.
    public var maxPositionEmbeddings: Int
    /// MLP activation (transformers' ACT2FN name): "quick_gelu" / "gelu" (exact erf GELU).
    public var hiddenAct: String
    /// LayerNorm epsilon: 1e-5 / 1e-5.
    public var layerNormEps: Float
    /// Output width P of `text_projection` (W → P, no bias): 768 / 1280.
    public var projectionDim: Int
    /// 2 / 2 in the SD3 repos' configs, which makes transformers pool at argmax(input_ids) (the
    /// first `<|endoftext|>`, CLIP's highest id); any other value pools at its first occurrence.
    public var eosTokenID: Int

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case numAttentionHeads = "num_attention_heads", numHiddenLayers = "num_hidden_layers"
        case maxPositionEmbeddings = "max_position_embeddings", hiddenAct = "hidden_act"
        case layerNormEps = "layer_norm_eps", projectionDim = "projection_dim", eosTokenID = "eos_token_id"
    }

    public init(vocabSize: Int = 49408, hiddenSize: Int, intermediateSize: Int, numAttentionHeads: Int,
                numHiddenLayers: Int, maxPositionEmbeddings: Int = 77, hiddenAct: String,
                layerNormEps: Float = 1e-5, projectionDim: Int, eosTokenID: Int = 2) {
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.numAttentionHeads = numAttentionHeads
        self.numHiddenLayers = numHiddenLayers
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.hiddenAct = hiddenAct
        self.layerNormEps = layerNormEps
        self.projectionDim = projectionDim
        self.eosTokenID = eosTokenID
    }

    /// SD3's `text_encoder` (CLIP-L/14).
    public static let clipL = CLIPTextConfig(hiddenSize: 768, intermediateSize: 3072, numAttentionHeads: 12,
                                             numHiddenLayers: 12, hiddenAct: "quick_gelu", projectionDim: 768)
    /// SD3's `text_encoder_2` (OpenCLIP bigG/14).
    public static let clipG = CLIPTextConfig(hiddenSize: 1280, intermediateSize: 5120, numAttentionHeads: 20,
                                             numHiddenLayers: 32, hiddenAct: "gelu", projectionDim: 1280)

    public init(from decoder: Decoder) throws {
        // Defaults: transformers 5.24 CLIPTextConfig.
        let c = try decoder.container(keyedBy: CodingKeys.self)
        vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? 49408
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? 512
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? 2048
        numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? 8
        numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? 12
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? 77
        hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? "quick_gelu"
        layerNormEps = try c.decodeIfPresent(Float.self, forKey: .layerNormEps) ?? 1e-5
        projectionDim = try c.decodeIfPresent(Int.self, forKey: .projectionDim) ?? 512
        // An int, or a list (transformers then compares with the list; FlowStudio takes its first).
        if let single = try? c.decodeIfPresent(Int.self, forKey: .eosTokenID) {
            eosTokenID = single
        } else if let list = try? c.decodeIfPresent([Int].self, forKey: .eosTokenID), let first = list.first {
            eosTokenID = first
        } else {
            eosTokenID = 49407
        }
    }

    /// Reads a transformers `config.json` (`text_encoder/` or `text_encoder_2/` of a diffusers folder).
    public init(contentsOf url: URL) throws {
        self = try decodeConfigFile(CLIPTextConfig.self, url, what: "a CLIP text config")
        do { try validate() } catch { throw TextModelError.configFile(source: url.path, reason: "\(error)") }
    }

    /// Head width Dh: 64.
    public var headDim: Int { hiddenSize / numAttentionHeads }

    /// The MLP activation, or nil when FlowStudio has none of that name.
    public var activation: CLIPActivation? { CLIPActivation(rawValue: hiddenAct) }

    /// Checks that the numbers describe a model that can run.
    public func validate() throws {
        func fail(_ why: String) -> TextModelError { .invalidConfig("CLIP: " + why) }
        guard vocabSize >= 1, hiddenSize >= 1, intermediateSize >= 1, numHiddenLayers >= 1,
              maxPositionEmbeddings >= 1, projectionDim >= 1 else { throw fail("every size must be positive: \(self)") }
        guard numAttentionHeads >= 1, hiddenSize % numAttentionHeads == 0 else {
            throw fail("hidden size \(hiddenSize) is not divisible by \(numAttentionHeads) heads")
        }
        guard activation != nil else {
            throw fail("hidden_act \"\(hiddenAct)\" is not supported (FlowStudio has \(CLIPActivation.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard layerNormEps.isFinite, layerNormEps > 0 else { throw fail("layer_norm_eps must be positive (got \(layerNormEps))") }
    }

    /// Reads the config from tensor names and shapes (transformers layout, `text_model.*`):
    /// vocabulary and width from the token embedding, positions from the position table, layers
    /// by count, MLP width from `fc1`, heads = W / 64 (CLIP's head width), projection width from
    /// `text_projection.weight` (W when absent: identity), eps 1e-5, `eos_token_id` 2 (argmax
    /// pooling, as SD3's configs), and the activation from `role`.
    public static func detect(from weights: TensorProvider, role: Role) throws -> CLIPTextConfig {
        let source = weights.sourceDescription
        func shape(_ key: String, rank: Int) throws -> [Int] {
            guard let s = weights.tensorShape(key) else {
                throw TextModelError.cannotDetect(source: source, reason: "no tensor '\(key)'; is this a CLIP text encoder in transformers layout?")
            }
            guard s.count == rank else {
                throw TextModelError.cannotDetect(source: source, reason: "'\(key)' has shape \(describeShape(s)), expected \(rank) dimensions")
            }
            return s
        }
        let token = try shape("text_model.embeddings.token_embedding.weight", rank: 2)  // [V, W]
        let position = try shape("text_model.embeddings.position_embedding.weight", rank: 2)  // [Tmax, W]
        let width = token[1]
        let prefix = "text_model.encoder.layers."
        let indices = Set(weights.tensorNames.compactMap { name -> Int? in
            guard name.hasPrefix(prefix) else { return nil }
            return Int(name.dropFirst(prefix.count).prefix { $0 != "." })
        })
        guard !indices.isEmpty, indices == Set(0..<indices.count) else {
            throw TextModelError.cannotDetect(source: source, reason: indices.isEmpty
                ? "no \(prefix)* tensors" : "layer indices are not 0..<\(indices.count): \(indices.sorted())")
        }
        let fc1 = try shape(prefix + "0.mlp.fc1.weight", rank: 2)  // [F, W]
        guard width % 64 == 0 else {
            throw TextModelError.cannotDetect(source: source, reason: "width \(width) is not a multiple of CLIP's head width 64, so the head count cannot be read from the weights; give a config.json")
        }
        let projection = weights.tensorShape("text_projection.weight")  // [P, W]
        let config = CLIPTextConfig(
            vocabSize: token[0], hiddenSize: width, intermediateSize: fc1[0], numAttentionHeads: width / 64,
            numHiddenLayers: indices.count, maxPositionEmbeddings: position[0],
            hiddenAct: role == .clipL ? CLIPActivation.quickGELU.rawValue : CLIPActivation.gelu.rawValue,
            projectionDim: projection?.first ?? width, eosTokenID: 2)
        try config.validate()
        return config
    }
}

/// The MLP activations a CLIP text config may name (transformers' ACT2FN keys).
public enum CLIPActivation: String, CaseIterable, Sendable {
    /// `x·sigmoid(1.702x)` (CLIP-L).
    case quickGELU = "quick_gelu"
    /// Exact GELU `0.5x(1 + erf(x/√2))` (bigG).
    case gelu = "gelu"
    /// The tanh approximation (`gelu_new`, `gelu_pytorch_tanh`).
    case geluNew = "gelu_new"
    case geluPyTorchTanh = "gelu_pytorch_tanh"

    /// Applies the activation to `count` floats in place.
    public func apply(_ x: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .quickGELU: quickGELUInPlace(x, count: count)
        case .gelu: geluErfInPlace(x, count: count)
        case .geluNew, .geluPyTorchTanh: geluTanhInPlace(x, count: count)
        }
    }
}
