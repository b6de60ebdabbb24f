import Foundation
import FlowCore
import MMDiT

/// Tiny synthetic SD3-family files in a temporary folder: real key names and structures
/// (depth, qk-norm, MMDiT-X blocks), small widths (D = 64, one head, 32-wide context), so a
/// whole SD3.5-large-shaped checkpoint is a few MB.
final class SD3TestFolder {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("sd3files-\(UUID().uuidString)")
    init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ relative: String) -> URL { url.appendingPathComponent(relative) }

    /// Creates the folders on the way and writes `text`.
    func write(_ text: String, to relative: String) throws {
        let file = path(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
    }

    /// Writes tensors of the given shapes, each filled with a small integer (its position in name
    /// order, so loads can be checked), as BF16 (or `dtype`).
    @discardableResult
    func writeTensors(_ shapes: [String: [Int]], to relative: String, dtype: SafeTensorsDType = .bf16,
                      metadata: [String: String] = [:]) throws -> URL {
        let file = path(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        var tensors: [String: Tensor] = [:]
        for (i, name) in shapes.keys.sorted().enumerated() {
            tensors[name] = Tensor(repeating: Float(i % 200), shape: shapes[name]!)
        }
        try SafeTensors.write(tensors, metadata: metadata, dtype: dtype, to: file)
        return file
    }
}

/// Key sets of each component and family.
enum SD3TestKeys {
    enum Structure { case sd3Medium, sd35Medium, sd35Large, small }

    static func config(_ structure: Structure) -> MMDiTConfig {
        let (depth, qk, dual): (Int, Bool, [Int]) = switch structure {
        case .sd3Medium: (24, false, [])
        case .sd35Medium: (24, true, Array(0...12))
        case .sd35Large: (38, true, [])
        case .small: (4, false, [])
        }
        return MMDiTConfig(depth: depth, hiddenSize: 64, heads: 1, patchSize: 2, inChannels: 16, outChannels: 16,
                           contextDim: 32, pooledDim: 16, posEmbedMaxSize: 4, qkNorm: qk,
                           dualAttentionLayers: dual, mlpHiddenSize: 64)
    }

    /// The MM-DiT's diffusers keys and shapes, as `MMDiT` declares them.
    static func diffusersMMDiT(_ structure: Structure) throws -> [String: [Int]] {
        try MMDiT(config: config(structure), declaringIn: ParameterStore()).weightShapes
    }

    /// The same MM-DiT in Stability's single-file names (fused qkv, `joint_blocks.*`).
    static func stabilityMMDiT(_ structure: Structure, prefix: String = "model.diffusion_model.") -> [String: [Int]] {
        let c = config(structure)
        let d = c.hiddenSize, m = c.mlpHiddenSize
        var keys: [String: [Int]] = [
            "pos_embed": [1, c.posEmbedMaxSize * c.posEmbedMaxSize, d],
            "x_embedder.proj.weight": [d, 16, 2, 2], "x_embedder.proj.bias": [d],
            "t_embedder.mlp.0.weight": [d, 256], "t_embedder.mlp.0.bias": [d],
            "t_embedder.mlp.2.weight": [d, d], "t_embedder.mlp.2.bias": [d],
            "y_embedder.mlp.0.weight": [d, c.pooledDim], "y_embedder.mlp.0.bias": [d],
            "y_embedder.mlp.2.weight": [d, d], "y_embedder.mlp.2.bias": [d],
            "context_embedder.weight": [d, c.contextDim], "context_embedder.bias": [d],
            "final_layer.linear.weight": [64, d], "final_layer.linear.bias": [64],
            "final_layer.adaLN_modulation.1.weight": [2 * d, d], "final_layer.adaLN_modulation.1.bias": [2 * d],
        ]
        for i in 0..<c.depth {
            let last = i == c.depth - 1
            for stream in ["x_block", "context_block"] {
                let b = "joint_blocks.\(i).\(stream)."
                let isImage = stream == "x_block"
                let chunks = isImage ? (c.hasDualAttention(i) ? 9 : 6) : (last ? 2 : 6)
                keys[b + "adaLN_modulation.1.weight"] = [chunks * d, d]
                keys[b + "adaLN_modulation.1.bias"] = [chunks * d]
                keys[b + "attn.qkv.weight"] = [3 * d, d]
                keys[b + "attn.qkv.bias"] = [3 * d]
                if c.qkNorm { keys[b + "attn.ln_q.weight"] = [64]; keys[b + "attn.ln_k.weight"] = [64] }
                if isImage || !last {
                    keys[b + "attn.proj.weight"] = [d, d]; keys[b + "attn.proj.bias"] = [d]
                    keys[b + "mlp.fc1.weight"] = [m, d]; keys[b + "mlp.fc1.bias"] = [m]
                    keys[b + "mlp.fc2.weight"] = [d, m]; keys[b + "mlp.fc2.bias"] = [d]
                }
                if isImage && c.hasDualAttention(i) {
                    keys[b + "attn2.qkv.weight"] = [3 * d, d]; keys[b + "attn2.qkv.bias"] = [3 * d]
                    keys[b + "attn2.proj.weight"] = [d, d]; keys[b + "attn2.proj.bias"] = [d]
                    keys[b + "attn2.ln_q.weight"] = [64]; keys[b + "attn2.ln_k.weight"] = [64]
                }
            }
        }
        return Dictionary(uniqueKeysWithValues: keys.map { (prefix + $0.key, $0.value) })
    }

    /// A one-layer CLIP text model of width `width`, transformers layout (`text_model.` wrapper
    /// unless `flattened`), with or without `text_projection`.
    static func clip(width: Int = 8, prefix: String = "", flattened: Bool = false, projection: Bool = true,
                     extras: Bool = false) -> [String: [Int]] {
        let t = flattened ? "" : "text_model."
        var keys: [String: [Int]] = [
            t + "embeddings.token_embedding.weight": [10, width],
            t + "embeddings.position_embedding.weight": [4, width],
            t + "final_layer_norm.weight": [width], t + "final_layer_norm.bias": [width],
        ]
        let layer = t + "encoder.layers.0."
        for p in ["q_proj", "k_proj", "v_proj", "out_proj"] {
            keys[layer + "self_attn.\(p).weight"] = [width, width]; keys[layer + "self_attn.\(p).bias"] = [width]
        }
        for n in ["layer_norm1", "layer_norm2"] { keys[layer + n + ".weight"] = [width]; keys[layer + n + ".bias"] = [width] }
        keys[layer + "mlp.fc1.weight"] = [2 * width, width]; keys[layer + "mlp.fc1.bias"] = [2 * width]
        keys[layer + "mlp.fc2.weight"] = [width, 2 * width]; keys[layer + "mlp.fc2.bias"] = [width]
        if projection { keys["text_projection.weight"] = [width, width] }
        if extras { keys[t + "embeddings.position_ids"] = [1, 4]; keys["logit_scale"] = [] }
        return Dictionary(uniqueKeysWithValues: keys.map { (prefix + $0.key, $0.value) })
    }

    /// The canonical CLIP names (what the files layer hands out).
    static func canonicalCLIP(width: Int = 8) -> [String: [Int]] { clip(width: width) }

    /// A one-block T5 encoder (transformers `T5EncoderModel` names); `embedTokens` names the
    /// embedding `encoder.embed_tokens.weight` instead of `shared.weight`; `decoder` adds a decoder key.
    static func t5(prefix: String = "", embedTokens: Bool = false, decoder: Bool = false) -> [String: [Int]] {
        let w = 8
        var keys: [String: [Int]] = [
            (embedTokens ? "encoder.embed_tokens.weight" : "shared.weight"): [10, w],
            "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight": [32, 1],
            "encoder.block.0.layer.0.layer_norm.weight": [w],
            "encoder.block.0.layer.1.DenseReluDense.wi_0.weight": [16, w],
            "encoder.block.0.layer.1.DenseReluDense.wi_1.weight": [16, w],
            "encoder.block.0.layer.1.DenseReluDense.wo.weight": [w, 16],
            "encoder.block.0.layer.1.layer_norm.weight": [w],
            "encoder.final_layer_norm.weight": [w],
        ]
        for p in ["q", "k", "v", "o"] { keys["encoder.block.0.layer.0.SelfAttention.\(p).weight"] = [w, w] }
        if decoder { keys["decoder.final_layer_norm.weight"] = [w]; keys["lm_head.weight"] = [10, w] }
        return Dictionary(uniqueKeysWithValues: keys.map { (prefix + $0.key, $0.value) })
    }

    /// The canonical T5 names.
    static func canonicalT5() -> [String: [Int]] { t5() }

    /// A few VAE keys in diffusers or LDM layout, 16 latent channels (or `latentChannels`).
    static func vae(ldm: Bool, prefix: String = "", latentChannels: Int = 16) -> [String: [Int]] {
        var keys: [String: [Int]] = [
            "decoder.conv_in.weight": [8, latentChannels, 3, 3], "decoder.conv_in.bias": [8],
            "encoder.conv_in.weight": [8, 3, 3, 3],
        ]
        if ldm {
            keys["decoder.mid.block_1.conv1.weight"] = [8, 8, 3, 3]
            keys["decoder.up.0.block.0.conv1.weight"] = [8, 8, 3, 3]
        } else {
            keys["decoder.mid_block.resnets.0.conv1.weight"] = [8, 8, 3, 3]
            keys["decoder.up_blocks.0.resnets.0.conv1.weight"] = [8, 8, 3, 3]
        }
        return Dictionary(uniqueKeysWithValues: keys.map { (prefix + $0.key, $0.value) })
    }

    /// The names and shapes a provider hands out.
    static func shapes(of provider: TensorProvider) -> [String: [Int]] {
        Dictionary(uniqueKeysWithValues: provider.tensorNames.map { ($0, provider.tensorShape($0) ?? []) })
    }
}
