import FlowCore

extension MMDiTConfig {
    /// Reads the whole config from tensor names and shapes (diffusers key layout):
    /// depth from the number of blocks, width / patch / channels from the patch embedding,
    /// heads from the qk-norm weight (else the family's head width 64), and so on.
    public static func detect(from weights: TensorProvider) throws -> MMDiTConfig {
        let source = weights.sourceDescription
        func shape(_ key: String) throws -> [Int] {
            guard let s = weights.tensorShape(key) else {
                throw MMDiTError.cannotDetect(source: source, reason: "no tensor '\(key)'")
            }
            return s
        }
        let proj = try shape("pos_embed.proj.weight")  // [D, C, p, p]
        guard proj.count == 4, proj[2] == proj[3] else {
            throw MMDiTError.cannotDetect(source: source, reason: "pos_embed.proj.weight has shape \(describeShape(proj)), expected [D, C, p, p]")
        }
        let hidden = proj[0], inChannels = proj[1], patch = proj[2]
        let table = try shape("pos_embed.pos_embed")  // [1, M², D]
        let tableSide = Int(Double(table.count == 3 ? table[1] : 0).squareRoot().rounded())
        guard table.count == 3, tableSide * tableSide == table[1] else {
            throw MMDiTError.cannotDetect(source: source, reason: "pos_embed.pos_embed has shape \(describeShape(table)), expected [1, M², D]")
        }
        var depth = 0
        let blockIndices = Set(weights.tensorNames.compactMap { name -> Int? in
            guard name.hasPrefix("transformer_blocks.") else { return nil }
            return Int(name.dropFirst("transformer_blocks.".count).prefix { $0 != "." })
        })
        depth = blockIndices.count
        guard depth > 0, blockIndices == Set(0..<depth) else {
            throw MMDiTError.cannotDetect(source: source, reason: depth == 0
                ? "no transformer_blocks.* tensors"
                : "block indices are not 0..<\(depth): \(blockIndices.sorted())")
        }
        let context = try shape("context_embedder.weight")  // [D, Dctx]
        let pooled = try shape("time_text_embed.text_embedder.linear_1.weight")  // [D, Dpool]
        let out = try shape("proj_out.weight")  // [p²·Cout, D]
        let mlp = try shape("transformer_blocks.0.ff.net.0.proj.weight")  // [Dmlp, D]
        let qkNorm = weights.tensorShape("transformer_blocks.0.attn.norm_q.weight")
        let heads: Int
        if let qkNorm {
            guard qkNorm.count == 1, qkNorm[0] > 0, hidden % qkNorm[0] == 0 else {
                throw MMDiTError.cannotDetect(source: source, reason: "attn.norm_q.weight has shape \(describeShape(qkNorm))")
            }
            heads = hidden / qkNorm[0]
        } else {
            guard hidden % 64 == 0 else {
                throw MMDiTError.cannotDetect(source: source, reason: "hidden size \(hidden) is not a multiple of the head width 64, and without qk-norm weights the head count cannot be read from the file")
            }
            heads = hidden / 64
        }
        let dual = (0..<depth).filter { weights.tensorShape("transformer_blocks.\($0).attn2.to_q.weight") != nil }
        let config = MMDiTConfig(
            depth: depth, hiddenSize: hidden, heads: heads, patchSize: patch,
            inChannels: inChannels, outChannels: out[0] / (patch * patch),
            contextDim: context[1], pooledDim: pooled[1], posEmbedMaxSize: tableSide,
            qkNorm: qkNorm != nil, dualAttentionLayers: dual, mlpHiddenSize: mlp[0])
        try config.validate()
        return config
    }
}
