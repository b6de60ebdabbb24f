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
        /// The shape of `key`, which must have `rank` dimensions, each within the config's limits
        /// (checked before any division or allocation: a zero-byte tensor may claim [2^40, 0, 0, 0]).
        func shape(_ key: String, _ legend: String, limits: [ClosedRange<Int>]) throws -> [Int] {
            let s = try shape(key)
            guard s.count == limits.count else {
                throw MMDiTError.cannotDetect(source: source, reason: "\(key) has shape \(describeShape(s)), expected \(legend)")
            }
            for (i, (dimension, range)) in zip(s, limits).enumerated() where !range.contains(dimension) {
                throw MMDiTError.cannotDetect(source: source, reason: "\(key) has shape \(describeShape(s)), expected \(legend): dimension \(i) is \(dimension); it must be in \(range.lowerBound)…\(range.upperBound)")
            }
            return s
        }
        let proj = try shape("pos_embed.proj.weight", "[D, C, p, p]",
                             limits: [Limits.hiddenSize, Limits.channels, Limits.patchSize, Limits.patchSize])  // [D, C, p, p]
        guard proj[2] == proj[3] else {
            throw MMDiTError.cannotDetect(source: source, reason: "pos_embed.proj.weight has shape \(describeShape(proj)), expected [D, C, p, p]")
        }
        let hidden = proj[0], inChannels = proj[1], patch = proj[2]
        let maxSide = Limits.posEmbedMaxSize.upperBound
        let table = try shape("pos_embed.pos_embed", "[1, M², D]", limits: [1...1, 1...(maxSide * maxSide), Limits.hiddenSize])  // [1, M², D]
        let tableSide = Int(Double(table[1]).squareRoot().rounded())
        guard tableSide * tableSide == table[1] else {
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
        let context = try shape("context_embedder.weight", "[D, Dctx]", limits: [Limits.hiddenSize, Limits.contextDim])  // [D, Dctx]
        let pooled = try shape("time_text_embed.text_embedder.linear_1.weight", "[D, Dpool]",
                               limits: [Limits.hiddenSize, Limits.pooledDim])  // [D, Dpool]
        let outLimit = Limits.channels.upperBound * patch * patch
        let out = try shape("proj_out.weight", "[p²·Cout, D]", limits: [1...outLimit, Limits.hiddenSize])  // [p²·Cout, D]
        guard out[0] % (patch * patch) == 0 else {
            throw MMDiTError.cannotDetect(source: source, reason: "proj_out.weight has shape \(describeShape(out)), expected [p²·Cout, D] with p = \(patch)")
        }
        let mlp = try shape("transformer_blocks.0.ff.net.0.proj.weight", "[Dmlp, D]",
                            limits: [Limits.mlpHiddenSize, Limits.hiddenSize])  // [Dmlp, D]
        let qkNorm = weights.tensorShape("transformer_blocks.0.attn.norm_q.weight")
        let heads: Int
        if let qkNorm {
            guard qkNorm.count == 1, (1...hidden).contains(qkNorm[0]), hidden % qkNorm[0] == 0 else {
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
