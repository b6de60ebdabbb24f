import Foundation
import FlowCore
import MMDiT

/// GGUF files of SD3-family MM-DiTs, as ComfyUI-GGUF (`tools/convert.py` + its patched
/// `llama-quantize`: Stability key names, the `model.diffusion_model.` prefix stripped,
/// `general.architecture` "sd3") and stable-diffusion.cpp (`convert`: Stability names under their
/// prefix, no architecture) write them. They hold the MM-DiT (stable-diffusion.cpp's may also hold
/// the VAE and encoders under their single-file prefixes), so they are located exactly as a
/// safetensors file with the same names: an MM-DiT-only GGUF needs --clip-l, --clip-g (and
/// optionally --t5xxl, --vae).
extension SD3ModelFiles {
    /// True when `url` names a GGUF file: its name ends in `.gguf`, or it starts with "GGUF".
    static func isGGUF(_ url: URL) -> Bool {
        if url.lastPathComponent.lowercased().hasSuffix(".gguf") { return true }
        guard let file = try? ReadableFile(url, expected: "a model file"), file.byteCount >= 4 else { return false }
        var magic = [UInt8](repeating: 0, count: 4)
        return pread(file.descriptor, &magic, 4, 0) == 4 && magic == Array("GGUF".utf8)
    }

    /// Opens a GGUF weights file (Float32 on demand, PyTorch shapes, SD3 shape fixes applied).
    static func openGGUF(_ url: URL) throws -> TensorProvider {
        do {
            return SD3GGUFWeights(try GGUFFile(contentsOf: url))
        } catch let error as GGUFError {
            throw SD3ModelFilesError.unreadableGGUF(error)
        }
    }
}

/// A GGUF file's tensors with the one shape ggml loses put back: ggml drops trailing unit
/// dimensions (PyTorch's leading ones), so a converter that does not restore them (stable-diffusion.cpp;
/// ComfyUI-GGUF's quantizer sets `pos_embed` back to 3 dimensions) stores SD3's `pos_embed`
/// [1, M², D] as [M², D]. It is read as [1, M², D].
struct SD3GGUFWeights: TensorProvider, @unchecked Sendable {
    let file: GGUFFile

    init(_ file: GGUFFile) { self.file = file }

    private static func isPositionTable(_ name: String) -> Bool {
        name == "pos_embed" || name == StabilityCheckpoint.modelPrefix + "pos_embed"
    }

    var tensorNames: [String] { file.tensorNames }
    var sourceDescription: String { file.sourceDescription }

    func tensorShape(_ name: String) -> [Int]? {
        guard let shape = file.tensorShape(name) else { return nil }
        return Self.isPositionTable(name) && shape.count == 2 ? [1] + shape : shape
    }

    func loadTensor(_ name: String) throws -> Tensor {
        let tensor = try file.loadTensor(name)
        return Self.isPositionTable(name) && tensor.rank == 2 ? tensor.reshaped([1] + tensor.shape) : tensor
    }

    // The stored forms (16-bit patterns, blocks) are the file's: a reshape does not move bytes.
    func halfStorage(_ name: String) -> ParameterStorage? { file.halfStorage(name) }
    func loadHalfTensor(_ name: String, into destination: UnsafeMutableBufferPointer<UInt16>) throws {
        try file.loadHalfTensor(name, into: destination)
    }
    func blockType(_ name: String) -> GGUFBlockType? { file.blockType(name) }
    func loadBlocks(_ name: String, into destination: UnsafeMutableRawBufferPointer) throws {
        try file.loadBlocks(name, into: destination)
    }
}
