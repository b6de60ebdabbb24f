import FlowCore

/// Presents a checkpoint in the original Stability single-file layout (`joint_blocks.*`,
/// fused `qkv`, `(shift, scale)` order, optionally under `model.diffusion_model.`) with
/// diffusers' key names, converting on the fly as diffusers' own converter does:
/// fused q/k/v are split in three on axis 0, and the two halves of the last context
/// block's and the final layer's AdaLN linears are swapped to (scale, shift).
/// Source keys that map to nothing keep their own name, so strict loading reports them.
public struct StabilityCheckpoint: TensorProvider {
    /// How a diffusers tensor is made from a source tensor.
    enum Transform: Equatable {
        case identity
        /// Part `index` of 3 along axis 0 (fused q, k, v).
        case third(Int)
        /// The two halves along axis 0 exchanged.
        case swapHalves
    }

    let source: TensorProvider
    /// diffusers key → (source key, transform)
    let mapping: [String: (key: String, transform: Transform)]

    /// The prefix of the MM-DiT inside all-in-one checkpoints.
    public static let modelPrefix = "model.diffusion_model."

    /// True when the tensors use the Stability names (`joint_blocks.*`), with or without the prefix.
    public static func isStabilityLayout(_ provider: TensorProvider) -> Bool {
        provider.tensorNames.contains { $0.hasPrefix("joint_blocks.") || $0.hasPrefix(modelPrefix + "joint_blocks.") }
    }

    /// Wraps `source`. In an all-in-one file (text encoders, VAE and the MM-DiT together) only
    /// the `model.diffusion_model.` tensors are considered.
    public init(_ source: TensorProvider) {
        self.source = source
        let names = source.tensorNames
        let prefixed = names.contains { $0.hasPrefix(Self.modelPrefix) }
        var mapping: [String: (String, Transform)] = [:]
        for name in names {
            if prefixed && !name.hasPrefix(Self.modelPrefix) { continue }
            let key = prefixed ? String(name.dropFirst(Self.modelPrefix.count)) : name
            let isTwoChunkAdaLN = key.hasSuffix("adaLN_modulation.1.weight") || key.hasSuffix("adaLN_modulation.1.bias")
                ? Self.isTwoChunk(source, name) : false
            for (target, transform) in Self.diffusersKeys(for: key, twoChunkAdaLN: isTwoChunkAdaLN) {
                mapping[target] = (name, transform)
            }
        }
        self.mapping = mapping
    }

    /// Whether an AdaLN linear yields 2 chunks (scale/shift) rather than 6 or 9: its output is
    /// twice its input (for a weight) or twice the patch-embedding width (for a bias).
    private static func isTwoChunk(_ source: TensorProvider, _ name: String) -> Bool {
        guard let shape = source.tensorShape(name) else { return false }
        if shape.count == 2 { return shape[0] == 2 * shape[1] }
        let weightName = name.replacingSuffix("bias", with: "weight")
        guard let w = source.tensorShape(weightName), w.count == 2 else { return false }
        return w[0] == 2 * w[1]
    }

    /// The diffusers keys one original key becomes, following sd3-reference / diffusers'
    /// `convert_sd3_transformer_checkpoint_to_diffusers`.
    static func diffusersKeys(for key: String, twoChunkAdaLN: Bool) -> [(String, Transform)] {
        let parts = key.split(separator: ".").map(String.init)
        let suffix = parts.last ?? ""  // weight | bias
        func one(_ name: String, _ t: Transform = .identity) -> [(String, Transform)] { [(name, t)] }
        switch key {
        case "pos_embed": return one("pos_embed.pos_embed")
        default: break
        }
        let simple: [(String, String)] = [
            ("x_embedder.proj.", "pos_embed.proj."),
            ("t_embedder.mlp.0.", "time_text_embed.timestep_embedder.linear_1."),
            ("t_embedder.mlp.2.", "time_text_embed.timestep_embedder.linear_2."),
            ("y_embedder.mlp.0.", "time_text_embed.text_embedder.linear_1."),
            ("y_embedder.mlp.2.", "time_text_embed.text_embedder.linear_2."),
            ("context_embedder.", "context_embedder."),
            ("final_layer.linear.", "proj_out."),
        ]
        for (from, to) in simple where key.hasPrefix(from) {
            return one(to + key.dropFirst(from.count))
        }
        if key.hasPrefix("final_layer.adaLN_modulation.1.") {
            return one("norm_out.linear." + suffix, .swapHalves)
        }
        guard parts.count >= 4, parts[0] == "joint_blocks", let index = Int(parts[1]) else { return one(key) }
        let block = "transformer_blocks.\(index)."
        let stream = parts[2]  // x_block | context_block
        let rest = parts[3...].joined(separator: ".")
        let isImage = stream == "x_block"
        guard isImage || stream == "context_block" else { return one(key) }
        switch rest {
        case "attn.qkv.weight", "attn.qkv.bias":
            let names = isImage ? ["to_q", "to_k", "to_v"] : ["add_q_proj", "add_k_proj", "add_v_proj"]
            return names.enumerated().map { (block + "attn.\($0.element)." + suffix, .third($0.offset)) }
        case "attn2.qkv.weight" where isImage, "attn2.qkv.bias" where isImage:
            return ["to_q", "to_k", "to_v"].enumerated().map { (block + "attn2.\($0.element)." + suffix, .third($0.offset)) }
        case "attn.proj.weight", "attn.proj.bias":
            return one(block + (isImage ? "attn.to_out.0." : "attn.to_add_out.") + suffix)
        case "attn2.proj.weight" where isImage, "attn2.proj.bias" where isImage:
            return one(block + "attn2.to_out.0." + suffix)
        case "attn.ln_q.weight": return one(block + (isImage ? "attn.norm_q.weight" : "attn.norm_added_q.weight"))
        case "attn.ln_k.weight": return one(block + (isImage ? "attn.norm_k.weight" : "attn.norm_added_k.weight"))
        case "attn2.ln_q.weight" where isImage: return one(block + "attn2.norm_q.weight")
        case "attn2.ln_k.weight" where isImage: return one(block + "attn2.norm_k.weight")
        case "adaLN_modulation.1.weight", "adaLN_modulation.1.bias":
            return one(block + (isImage ? "norm1.linear." : "norm1_context.linear.") + suffix,
                       !isImage && twoChunkAdaLN ? .swapHalves : .identity)
        case "mlp.fc1.weight", "mlp.fc1.bias":
            return one(block + (isImage ? "ff.net.0.proj." : "ff_context.net.0.proj.") + suffix)
        case "mlp.fc2.weight", "mlp.fc2.bias":
            return one(block + (isImage ? "ff.net.2." : "ff_context.net.2.") + suffix)
        default:
            return one(key)
        }
    }

    public var tensorNames: [String] { mapping.keys.sorted() }
    public var sourceDescription: String { source.sourceDescription + " (Stability layout)" }

    public func tensorShape(_ name: String) -> [Int]? {
        guard let (key, transform) = mapping[name], var shape = source.tensorShape(key) else { return nil }
        if case .third = transform { shape[0] /= 3 }
        return shape
    }

    public func loadTensor(_ name: String) throws -> Tensor {
        guard let (key, transform) = mapping[name] else {
            throw TensorProviderError.missing(name: name, source: sourceDescription)
        }
        let tensor = try source.loadTensor(key)
        let rows = tensor.shape[0]
        let rowSize = tensor.count / max(rows, 1)
        switch transform {
        case .identity:
            return tensor
        case let .third(index):
            var shape = tensor.shape
            shape[0] = rows / 3
            let start = index * (rows / 3) * rowSize
            return Tensor(shape: shape, scalars: Array(tensor.scalars[start..<(start + rows / 3 * rowSize)]))
        case .swapHalves:
            let half = rows / 2 * rowSize
            return Tensor(shape: tensor.shape, scalars: Array(tensor.scalars[half...] + tensor.scalars[..<half]))
        }
    }
}

extension StabilityCheckpoint {
    public func halfStorage(_ name: String) -> ParameterStorage? {
        mapping[name].flatMap { source.halfStorage($0.key) }
    }

    /// The 16-bit patterns, with the same transforms as `loadTensor` (a third or swapped halves
    /// along axis 0 are whole rows, so they move as bits).
    public func loadHalfTensor(_ name: String, into destination: UnsafeMutableBufferPointer<UInt16>) throws {
        guard let (key, transform) = mapping[name], let shape = source.tensorShape(key), !shape.isEmpty else {
            throw TensorProviderError.missing(name: name, source: sourceDescription)
        }
        let total = shape.reduce(1, *), rows = shape[0]
        if transform == .identity { return try source.loadHalfTensor(key, into: destination) }
        var all = [UInt16](repeating: 0, count: total)
        try all.withUnsafeMutableBufferPointer { try source.loadHalfTensor(key, into: $0) }
        let rowSize = total / max(rows, 1)
        switch transform {
        case .identity:
            break
        case let .third(index):
            let start = index * (rows / 3) * rowSize
            _ = destination.update(fromContentsOf: all[start..<(start + rows / 3 * rowSize)])
        case .swapHalves:
            let half = rows / 2 * rowSize
            _ = destination.update(fromContentsOf: all[half...] + all[..<half])
        }
    }
}

extension StabilityCheckpoint {
    public func blockType(_ name: String) -> GGUFBlockType? {
        guard let (key, _) = mapping[name], let type = source.blockType(key), let shape = source.tensorShape(key),
              let rows = shape.first, rows > 0, (shape.reduce(1, *) / rows) % type.blockSize == 0 else { return nil }
        return type
    }

    /// The blocks, with the same transforms as `loadTensor`: a row is a whole number of blocks
    /// (`blockType` checks it), so a third or swapped halves along axis 0 move as bytes.
    public func loadBlocks(_ name: String, into destination: UnsafeMutableRawBufferPointer) throws {
        guard let (key, transform) = mapping[name], let type = blockType(name), let shape = source.tensorShape(key) else {
            throw TensorProviderError.missing(name: name, source: sourceDescription)
        }
        if transform == .identity { return try source.loadBlocks(key, into: destination) }
        let rows = shape[0]
        let rowBytes = ParameterStorage.blocks(type).byteCount(elements: shape.reduce(1, *) / rows)
        var all = [UInt8](repeating: 0, count: rows * rowBytes)
        try all.withUnsafeMutableBytes { try source.loadBlocks(key, into: $0) }
        switch transform {
        case .identity:
            break
        case let .third(index):
            let start = index * (rows / 3) * rowBytes
            _ = destination.copyBytes(from: all[start..<(start + rows / 3 * rowBytes)])
        case .swapHalves:
            let half = rows / 2 * rowBytes
            _ = destination.copyBytes(from: all[half...] + all[..<half])
        }
    }
}

/// Opens MM-DiT weights in either layout: diffusers keys as they are, Stability keys through
/// `StabilityCheckpoint`.
public func diffusersView(of provider: TensorProvider) -> TensorProvider {
    StabilityCheckpoint.isStabilityLayout(provider) ? StabilityCheckpoint(provider) : provider
}

extension String {
    func replacingSuffix(_ suffix: String, with replacement: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) + replacement : self
    }
}
