import FlowCore

/// Presents a VAE in the original LDM layout (Stability's single files, under `first_stage_model.`
/// or `vae.`, or bare) with diffusers' key names, converting as diffusers 0.42.1's
/// `convert_ldm_vae_checkpoint` does (`loaders/single_file_utils.py`):
///
/// | LDM (after the prefix) | diffusers |
/// |---|---|
/// | `decoder.conv_in.*`, `decoder.conv_out.*`, `post_quant_conv.*` | the same |
/// | `decoder.norm_out.*` | `decoder.conv_norm_out.*` |
/// | `decoder.mid.block_{1,2}.*` | `decoder.mid_block.resnets.{0,1}.*` |
/// | `decoder.mid.attn_1.{norm,q,k,v,proj_out}.*` | `decoder.mid_block.attentions.0.{group_norm,to_q,to_k,to_v,to_out.0}.*`; 1×1 conv weights `[C, C, 1, 1]` become linear `[C, C]` |
/// | `decoder.up.{n−1−i}.block.{j}.*` (n levels) | `decoder.up_blocks.{i}.resnets.{j}.*`, `nin_shortcut` → `conv_shortcut` |
/// | `decoder.up.{n−1−i}.upsample.conv.*` | `decoder.up_blocks.{i}.upsamplers.0.conv.*` |
/// | `encoder.*`, `quant_conv.*` | kept as they are (the decoder's loader skips them) |
///
/// In a prefixed file only the tensors under the prefix are seen (the MM-DiT and text encoders
/// of an all-in-one file belong to other loaders). A tensor that maps to nothing keeps its own
/// name, so strict loading reports it as unused.
public struct LDMVAECheckpoint: TensorProvider {
    let source: TensorProvider
    /// diffusers key → (source key, reshape to [C, C])
    let mapping: [String: (key: String, toLinear: Bool)]
    /// The prefix in use ("" for a bare file).
    public let prefix: String

    /// diffusers' `LDM_VAE_KEYS`, in its order (when both occur, diffusers takes the last).
    public static let prefixes = ["first_stage_model.", "vae."]

    /// The prefix of the VAE in `provider` ("" when none of `prefixes` occurs).
    public static func prefix(of provider: TensorProvider) -> String {
        let names = provider.tensorNames
        return prefixes.last { p in names.contains { $0.hasPrefix(p) } } ?? ""
    }

    /// True when the VAE tensors use the LDM names (`decoder.mid.*`, `decoder.up.*`, `decoder.norm_out.*`).
    public static func isLDMLayout(_ provider: TensorProvider) -> Bool {
        let p = prefix(of: provider)
        return provider.tensorNames.contains { name in
            guard name.hasPrefix(p) else { return false }
            let key = name.dropFirst(p.count)
            return key.hasPrefix("decoder.mid.") || key.hasPrefix("decoder.up.") || key.hasPrefix("decoder.norm_out.")
        }
    }

    /// diffusers names for `provider`: through `LDMVAECheckpoint` when it is in the LDM layout,
    /// as it is otherwise.
    public static func diffusersView(of provider: TensorProvider) -> TensorProvider {
        isLDMLayout(provider) ? LDMVAECheckpoint(provider) : provider
    }

    public init(_ source: TensorProvider) {
        self.source = source
        let prefix = Self.prefix(of: source)
        self.prefix = prefix
        let keys = source.tensorNames.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
        let levels = Set(keys.compactMap { key -> Int? in
            let parts = key.split(separator: ".")
            return parts.count > 2 && parts[0] == "decoder" && parts[1] == "up" ? Int(parts[2]) : nil
        }).count
        var mapping: [String: (String, Bool)] = [:]
        for key in keys {
            let (target, toLinear) = Self.diffusersKey(for: key, levels: levels)
            mapping[target] = (prefix + key, toLinear)
        }
        self.mapping = mapping
    }

    /// The diffusers name of one LDM key (without prefix) of a decoder with `levels` up blocks,
    /// and whether its tensor is a 1×1 conv weight read as a linear.
    static func diffusersKey(for key: String, levels: Int) -> (String, Bool) {
        let parts = key.split(separator: ".").map(String.init)
        guard parts.count >= 3, parts[0] == "decoder" else { return (key, false) }
        let rest = { (from: Int) in parts[from...].joined(separator: ".") }
        switch parts[1] {
        case "norm_out":
            return ("decoder.conv_norm_out." + rest(2), false)
        case "mid" where parts[2] == "block_1" || parts[2] == "block_2":
            let index = parts[2] == "block_1" ? 0 : 1
            return ("decoder.mid_block.resnets.\(index)." + rest(3).replacingOccurrences(of: "nin_shortcut", with: "conv_shortcut"), false)
        case "mid" where parts[2] == "attn_1" && parts.count == 5:
            let names = ["norm": "group_norm", "q": "to_q", "k": "to_k", "v": "to_v", "proj_out": "to_out.0"]
            guard let name = names[parts[3]] else { return (key, false) }
            return ("decoder.mid_block.attentions.0.\(name).\(parts[4])", parts[4] == "weight" && name != "group_norm")
        case "up":
            guard parts.count >= 5, let b = Int(parts[2]), b < levels else { return (key, false) }
            let i = levels - 1 - b
            if parts[3] == "block", parts.count >= 6, let j = Int(parts[4]) {
                return ("decoder.up_blocks.\(i).resnets.\(j)." + rest(5).replacingOccurrences(of: "nin_shortcut", with: "conv_shortcut"), false)
            }
            if parts[3] == "upsample" { return ("decoder.up_blocks.\(i).upsamplers.0." + rest(4), false) }
            return (key, false)
        default:
            return (key, false)
        }
    }

    public var tensorNames: [String] { mapping.keys.sorted() }
    public var sourceDescription: String { source.sourceDescription + " (LDM VAE layout\(prefix.isEmpty ? "" : ", \(prefix)*"))" }

    public func tensorShape(_ name: String) -> [Int]? {
        guard let (key, toLinear) = mapping[name], let shape = source.tensorShape(key) else { return nil }
        return toLinear ? Self.linearShape(shape) : shape
    }

    public func loadTensor(_ name: String) throws -> Tensor {
        guard let (key, toLinear) = mapping[name] else {
            throw TensorProviderError.missing(name: name, source: sourceDescription)
        }
        let tensor = try source.loadTensor(key)
        return toLinear ? tensor.reshaped(Self.linearShape(tensor.shape)) : tensor
    }

    /// `[C, C, 1, 1]` (or `[C, C, 1]`) → `[C, C]`; other shapes stay (strict loading then names them).
    static func linearShape(_ shape: [Int]) -> [Int] {
        shape.count > 2 && shape[2...].allSatisfy { $0 == 1 } ? Array(shape[..<2]) : shape
    }
}
