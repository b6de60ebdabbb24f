import FlowCore

/// Brings text-encoder and VAE weights, whatever prefix they were saved under, to the one
/// canonical layout per component (`SD3WeightLayout`).
///
/// Layouts met in practice (checked against diffusers `loaders/single_file_utils.py` and
/// transformers 5):
/// - Stability single files: `text_encoders.clip_l.transformer.text_model.*`,
///   `text_encoders.clip_g.transformer.text_model.*` (+ `…transformer.text_projection.weight`),
///   `text_encoders.t5xxl.transformer.{shared,encoder}.*`: transformers layout under a prefix;
///   diffusers strips the prefix (`convert_ldm_clip_checkpoint`, `convert_sd3_t5_checkpoint_to_diffusers`)
///   and gives CLIP-L an identity `text_projection` (SD3's CLIP-L files have none).
/// - ComfyUI / stable-diffusion.cpp separate files (`clip_l.safetensors`, `clip_g.safetensors`,
///   `t5xxl_*.safetensors`): the same names with no prefix.
/// - transformers ≥ 5.6 `CLIPTextModel.save_pretrained`: flattened, no `text_model.` (`embeddings.*`,
///   `encoder.*`, `final_layer_norm.*`); `CLIPTextModelWithProjection` keeps `text_model.`.
/// - Older saves carry the `text_model.embeddings.position_ids` buffer, OpenCLIP-derived ones a
///   `logit_scale`; full T5 files a `decoder.*` and `lm_head`; some T5 files name the embedding
///   `encoder.embed_tokens.weight` only.
///
/// - OpenCLIP's own layout (`transformer.resblocks.*`, e.g. laion's `open_clip_model.safetensors`
///   for bigG): converted on the fly (`openCLIP`); its vision tower is not handed out.
///
/// Canonical: CLIP `text_model.{embeddings,encoder,final_layer_norm}.*` + `text_projection.weight`;
/// T5 `shared.weight` + `encoder.*` (without `encoder.embed_tokens.weight`, which is tied to `shared`).
enum SD3EncoderKeys {
    static let clipEmbedding = "embeddings.token_embedding.weight"
    static let t5FirstQuery = "encoder.block.0.layer.0.SelfAttention.q.weight"

    /// CLIP weights in canonical layout, or `wrongComponent` saying what the file holds.
    static func clip(_ source: TensorProvider, component: SD3Component, path: String) throws -> TensorProvider {
        let names = source.tensorNames
        // A file holding both CLIPs (`clip_l.transformer.…` and `clip_g.transformer.…`, or an
        // all-in-one checkpoint given as --clip-l) is read at the one its prefix names.
        if !names.contains(where: { $0.hasSuffix(clipEmbedding) }),
           let converted = openCLIP(source, component: component) { return converted }
        var candidates = names.filter { $0.hasSuffix(clipEmbedding) }
        let hint = component == .clipL ? "clip_l" : "clip_g"
        if candidates.count > 1, candidates.contains(where: { $0.contains(hint) }) { candidates = candidates.filter { $0.contains(hint) } }
        guard let embedding = candidates.min(by: { $0.count < $1.count }) else {
            throw SD3ModelFilesError.wrongComponent(component, path: path, found: describe(names))
        }
        var base = String(embedding.dropLast(clipEmbedding.count))
        if base.hasSuffix("text_model.") { base = String(base.dropLast("text_model.".count)) }
        var mapping: [String: String] = [:]
        for name in names where name.hasPrefix(base) {
            let rest = String(name.dropFirst(base.count))
            if rest == "text_model.embeddings.position_ids" || rest == "embeddings.position_ids" || rest == "logit_scale" { continue }
            if rest.hasPrefix("embeddings.") || rest.hasPrefix("encoder.") || rest.hasPrefix("final_layer_norm.") {
                mapping["text_model." + rest] = name
            } else {
                mapping[rest] = name
            }
        }
        let width = source.tensorShape(embedding)?.last ?? 0
        if component == .clipL && width == 1280 {
            throw SD3ModelFilesError.wrongComponent(component, path: path, found: "a CLIP-G text encoder (width 1280): pass it as --clip-g")
        }
        if component == .clipG && width == 768 {
            throw SD3ModelFilesError.wrongComponent(component, path: path, found: "a CLIP-L text encoder (width 768): pass it as --clip-l")
        }
        // OpenCLIP-derived files keep the projection as `text_projection` [in, out] (ComfyUI
        // accepts both); transformers' Linear is [out, in].
        var transposed: Set<String> = []
        if mapping["text_projection.weight"] == nil, let bare = mapping.removeValue(forKey: "text_projection") {
            mapping["text_projection.weight"] = bare
            transposed.insert("text_projection.weight")
        }
        var identities: [String: Int] = [:]
        if component == .clipL && mapping["text_projection.weight"] == nil && width > 0 {
            identities["text_projection.weight"] = width
        }
        return SD3RenamedTensors(source: source, mapping: mapping, identities: identities, transposed: transposed,
                                 sourceDescription: source.sourceDescription + (base.isEmpty ? "" : " [\(base)*]"))
    }

    /// A text tower in OpenCLIP's layout (`token_embedding.weight`, `positional_embedding`,
    /// `transformer.resblocks.*` with fused `attn.in_proj_*`, `ln_final.*`, `text_projection`
    /// [in, out]), under any prefix, renamed to transformers' layout as diffusers'
    /// `convert_open_clip_checkpoint` and ComfyUI's `transformers_convert` do: q, k, v are the three
    /// thirds of `in_proj` along axis 0, the projection is transposed. Nil when it is not one.
    static func openCLIP(_ source: TensorProvider, component: SD3Component) -> TensorProvider? {
        let names = source.tensorNames
        guard let first = names.filter({ $0.hasSuffix("transformer.resblocks.0.attn.in_proj_weight") }).min(by: { $0.count < $1.count }) else {
            return nil
        }
        let base = String(first.dropLast("transformer.resblocks.0.attn.in_proj_weight".count))
        let renames = [("ln_1.", "layer_norm1."), ("ln_2.", "layer_norm2."), ("mlp.c_fc.", "mlp.fc1."),
                       ("mlp.c_proj.", "mlp.fc2."), ("attn.out_proj.", "self_attn.out_proj.")]
        var mapping: [String: String] = [:]
        var thirds: [String: Int] = [:]
        var transposed: Set<String> = []
        for name in names where name.hasPrefix(base) {
            let rest = String(name.dropFirst(base.count))
            switch rest {
            case "token_embedding.weight": mapping["text_model.embeddings.token_embedding.weight"] = name
            case "positional_embedding": mapping["text_model.embeddings.position_embedding.weight"] = name
            case "ln_final.weight", "ln_final.bias":
                mapping["text_model.final_layer_norm." + rest.dropFirst("ln_final.".count)] = name
            case "text_projection":
                mapping["text_projection.weight"] = name
                transposed.insert("text_projection.weight")
            default:
                let parts = rest.split(separator: ".", maxSplits: 3).map(String.init)
                guard parts.count == 4, parts[0] == "transformer", parts[1] == "resblocks", let layer = Int(parts[2]) else { continue }
                let target = "text_model.encoder.layers.\(layer)."
                let inner = parts[3]
                if inner == "attn.in_proj_weight" || inner == "attn.in_proj_bias" {
                    for (i, projection) in ["q_proj", "k_proj", "v_proj"].enumerated() {
                        let key = target + "self_attn.\(projection)." + (inner.hasSuffix("weight") ? "weight" : "bias")
                        mapping[key] = name
                        thirds[key] = i
                    }
                } else if let (from, to) = renames.first(where: { inner.hasPrefix($0.0) }) {
                    mapping[target + to + inner.dropFirst(from.count)] = name
                }
            }
        }
        guard mapping["text_model.embeddings.token_embedding.weight"] != nil else { return nil }
        var identities: [String: Int] = [:]
        if component == .clipL, mapping["text_projection.weight"] == nil,
           let width = source.tensorShape(mapping["text_model.embeddings.token_embedding.weight"]!)?.last {
            identities["text_projection.weight"] = width
        }
        return SD3RenamedTensors(source: source, mapping: mapping, identities: identities, transposed: transposed, thirds: thirds,
                                 sourceDescription: source.sourceDescription + " (OpenCLIP layout" + (base.isEmpty ? ")" : ", \(base)*)"))
    }

    /// T5 encoder weights in canonical layout, or `wrongComponent`.
    static func t5(_ source: TensorProvider, path: String) throws -> TensorProvider {
        let names = source.tensorNames
        guard let query = names.filter({ $0.hasSuffix(t5FirstQuery) }).min(by: { $0.count < $1.count }) else {
            throw SD3ModelFilesError.wrongComponent(.t5, path: path, found: describe(names))
        }
        let base = String(query.dropLast(t5FirstQuery.count))
        var mapping: [String: String] = [:]
        for name in names where name.hasPrefix(base) {
            let rest = String(name.dropFirst(base.count))
            if rest.hasSuffix(".scale_weight") || rest.hasSuffix(".scale_input") { continue }
            if rest == "shared.weight" || (rest.hasPrefix("encoder.") && rest != "encoder.embed_tokens.weight") {
                mapping[rest] = name
            }
        }
        if mapping["shared.weight"] == nil, names.contains(base + "encoder.embed_tokens.weight") {
            mapping["shared.weight"] = base + "encoder.embed_tokens.weight"
        }
        // ComfyUI's scaled fp8 files (`t5xxl_fp8_e4m3fn_scaled.safetensors`: a `scaled_fp8` marker,
        // and a float32 scalar `X.scale_weight` beside each fp8 `X.weight`): the weight is
        // stored × scale (comfy/ops.py `scaled_fp8_ops` `convert_weight`). `scale_input` only
        // steers fp8 matrix products and is not needed for the float32 weight.
        let nameSet = Set(names)
        var scales: [String: String] = [:]
        for (canonical, stored) in mapping where stored.hasSuffix(".weight") {
            let scale = String(stored.dropLast("weight".count)) + "scale_weight"
            if nameSet.contains(scale) { scales[canonical] = scale }
        }
        return SD3RenamedTensors(source: source, mapping: mapping, identities: [:], scales: scales,
                                 sourceDescription: source.sourceDescription + (base.isEmpty ? "" : " [\(base)*]"))
    }

    /// VAE weights with a `first_stage_model.` or `vae.` prefix stripped, and their layout.
    static func vae(_ source: TensorProvider, path: String) throws -> (TensorProvider, SD3WeightLayout) {
        var provider = source
        for prefix in ["first_stage_model.", "vae."] where source.tensorNames.contains(where: { $0.hasPrefix(prefix + "decoder.") }) {
            provider = PrefixedTensors(source, prefix: prefix)
            break
        }
        let names = provider.tensorNames
        let layout: SD3WeightLayout
        if names.contains(where: { $0.hasPrefix("decoder.mid_block.") || $0.hasPrefix("decoder.up_blocks.") }) {
            layout = .diffusers
        } else if names.contains(where: { $0.hasPrefix("decoder.mid.") || $0.hasPrefix("decoder.up.") }) {
            layout = .ldm
        } else {
            throw SD3ModelFilesError.wrongComponent(.vae, path: path, found: describe(source.tensorNames))
        }
        if let convIn = provider.tensorShape("decoder.conv_in.weight"), convIn.count == 4, convIn[1] != 16 {
            throw SD3ModelFilesError.wrongComponent(.vae, path: path, found: "a VAE with \(convIn[1]) latent channels (SD1.x / SDXL); SD3 needs its own 16-channel VAE")
        }
        return (provider, layout)
    }

    /// What a set of names looks like, for `wrongComponent`.
    static func describe(_ names: [String]) -> String {
        if names.contains(where: { $0.hasSuffix(t5FirstQuery) }) { return "T5 encoder weights (pass them as --t5xxl)" }
        if names.contains(where: { $0.hasSuffix(clipEmbedding) }) { return "CLIP text-encoder weights (pass them as --clip-l or --clip-g)" }
        if names.contains(where: { $0.contains("joint_blocks.") || $0.hasPrefix("transformer_blocks.") }) { return "MM-DiT weights (pass them as --model)" }
        if names.contains(where: { $0.contains("decoder.conv_in.") }) { return "VAE weights (pass them as --vae)" }
        let sample = names.prefix(3).map { "\"\($0)\"" }.joined(separator: ", ")
        return names.isEmpty ? "no tensors" : "tensors named like \(sample)"
    }
}

/// Tensors under new names (canonical → stored), plus n×n identity matrices made on demand;
/// the 2-D tensors named in `transposed` are handed out transposed.
struct SD3RenamedTensors: TensorProvider {
    let source: TensorProvider
    let mapping: [String: String]
    let identities: [String: Int]
    var transposed: Set<String> = []
    /// canonical name → a one-element tensor its stored values are multiplied by
    var scales: [String: String] = [:]
    /// canonical name → which third (along axis 0) of the stored tensor it is (fused q, k, v)
    var thirds: [String: Int] = [:]
    let sourceDescription: String

    var tensorNames: [String] { (Array(mapping.keys) + Array(identities.keys)).sorted() }

    func tensorShape(_ name: String) -> [Int]? {
        if let n = identities[name] { return [n, n] }
        guard var shape = mapping[name].flatMap({ source.tensorShape($0) }) else { return nil }
        if thirds[name] != nil, !shape.isEmpty { shape[0] /= 3 }
        return transposed.contains(name) && shape.count == 2 ? [shape[1], shape[0]] : shape
    }

    /// 16 bits only for tensors that are renamed or cut in thirds (scaled, transposed and made
    /// identity tensors are computed in Float32).
    func halfStorage(_ name: String) -> ParameterStorage? {
        guard identities[name] == nil, scales[name] == nil, !transposed.contains(name), let stored = mapping[name] else { return nil }
        return source.halfStorage(stored)
    }

    func loadHalfTensor(_ name: String, into destination: UnsafeMutableBufferPointer<UInt16>) throws {
        guard halfStorage(name) != nil, let stored = mapping[name], let shape = source.tensorShape(stored) else {
            throw TensorProviderError.notHalf(name: name, source: sourceDescription)
        }
        guard let third = thirds[name], !shape.isEmpty else { return try source.loadHalfTensor(stored, into: destination) }
        var all = [UInt16](repeating: 0, count: shape.reduce(1, *))
        try all.withUnsafeMutableBufferPointer { try source.loadHalfTensor(stored, into: $0) }
        let part = all.count / 3
        _ = destination.update(fromContentsOf: all[third * part..<(third + 1) * part])
    }

    /// Blocks only for tensors that are renamed or cut in thirds with rows of whole blocks.
    func blockType(_ name: String) -> GGUFBlockType? {
        guard identities[name] == nil, scales[name] == nil, !transposed.contains(name), let stored = mapping[name],
              let type = source.blockType(stored), let shape = source.tensorShape(stored), let rows = shape.first, rows > 0,
              (shape.reduce(1, *) / rows) % type.blockSize == 0 else { return nil }
        return type
    }

    func loadBlocks(_ name: String, into destination: UnsafeMutableRawBufferPointer) throws {
        guard blockType(name) != nil, let stored = mapping[name] else {
            throw TensorProviderError.notHalf(name: name, source: sourceDescription)
        }
        guard let third = thirds[name] else { return try source.loadBlocks(stored, into: destination) }
        var all = [UInt8](repeating: 0, count: destination.count * 3)  // the fused q, k, v
        try all.withUnsafeMutableBytes { try source.loadBlocks(stored, into: $0) }
        destination.copyBytes(from: all[third * destination.count..<(third + 1) * destination.count])
    }

    func loadTensor(_ name: String) throws -> Tensor {
        if let n = identities[name] {
            var scalars = [Float](repeating: 0, count: n * n)
            for i in 0..<n { scalars[i * n + i] = 1 }
            return Tensor(shape: [n, n], scalars: scalars)
        }
        guard let stored = mapping[name] else { throw TensorProviderError.missing(name: name, source: sourceDescription) }
        var tensor = try source.loadTensor(stored)
        if let scaleName = scales[name] {
            let scale = try source.loadTensor(scaleName)
            guard scale.count == 1 else {
                throw SD3ModelFilesError.invalidConfig(path: sourceDescription, reason: "\"\(scaleName)\" has shape \(scale.shape), not one number: not a scaled-fp8 weight scale")
            }
            let factor = scale.scalars[0]
            tensor = Tensor(shape: tensor.shape, scalars: tensor.scalars.map { $0 * factor })
        }
        if let third = thirds[name], !tensor.shape.isEmpty {
            var shape = tensor.shape
            shape[0] /= 3
            let part = tensor.count / 3
            tensor = Tensor(shape: shape, scalars: Array(tensor.scalars[third * part..<(third + 1) * part]))
        }
        guard transposed.contains(name), tensor.shape.count == 2 else { return tensor }
        let (rows, columns) = (tensor.shape[0], tensor.shape[1])
        var scalars = [Float](repeating: 0, count: tensor.count)
        for r in 0..<rows { for c in 0..<columns { scalars[c * rows + r] = tensor.scalars[r * columns + c] } }
        return Tensor(shape: [columns, rows], scalars: scalars)
    }
}
