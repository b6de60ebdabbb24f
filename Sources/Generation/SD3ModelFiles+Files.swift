import Foundation
import FlowCore
import DemoModelFormat
#if canImport(Glibc)
import Glibc
#endif

/// Reading the files: existence, weights (single or sharded), JSON configs, tokenizer files.
extension SD3ModelFiles {
    /// What `url` names, following symbolic links; `notFound` when nothing is there.
    static func fileType(_ url: URL, option: String) throws -> FileType {
        var status = stat()
        guard stat(url.path, &status) == 0 else { throw SD3ModelFilesError.notFound(path: url.path, option: option) }
        return FileType(mode: status.st_mode)
    }

    static func isDirectory(_ url: URL) -> Bool {
        var status = stat()
        return stat(url.path, &status) == 0 && FileType(mode: status.st_mode) == .directory
    }

    static func exists(_ url: URL) -> Bool {
        var status = stat()
        return stat(url.path, &status) == 0
    }

    /// A weights file: a GGUF file (`.gguf`, or starting with "GGUF") through `GGUFFile`, a
    /// `*.safetensors.index.json` opens its shards, anything else as one safetensors file
    /// (memory-mapped). Pickle files are refused by name.
    static func openWeights(_ url: URL) throws -> TensorProvider {
        let name = url.lastPathComponent.lowercased()
        if isGGUF(url) { return try openGGUF(url) }
        if [".ckpt", ".pt", ".pth", ".bin"].contains(where: { name.hasSuffix($0) }) {
            throw SD3ModelFilesError.unsupportedFormat(path: url.path, format: "a PyTorch pickle file")
        }
        do {
            if ShardedSafeTensors.isIndexName(name) { return try ShardedSafeTensors(indexURL: url) }
            return try SafeTensorsFile(contentsOf: url)
        } catch let error as SafeTensorsError {
            throw SD3ModelFilesError.unreadable(path: url.path, reason: error.description)
        } catch let error as ShardedSafeTensorsError {
            throw SD3ModelFilesError.unreadable(path: url.path, reason: error.description)
        }
    }

    /// A JSON object file's bytes and contents; `invalidConfig` naming the file when it does not parse.
    static func readJSONObject(_ url: URL, expected: String) throws -> (data: Data, object: [String: Any]) {
        let data: Data
        do {
            data = try ReadableFile.data(of: url, expected: expected, maximumByteCount: maximumJSONByteCount)
        } catch let error as FileReadError {
            throw SD3ModelFilesError.unreadable(path: url.path, reason: error.description)
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw SD3ModelFilesError.invalidConfig(path: url.path, reason: "not a JSON object (\(expected)); the file is damaged, download it again")
        }
        return (data, object)
    }

    /// The folder itself when it is a demo model exported by `flowstudio export --diffusers`
    /// (it holds `flowstudio_model.json`, or `flowstudio_text_encoder.safetensors`), else nil.
    static func demoFolder(_ url: URL) throws -> URL? {
        let marks = [DiffusersFolder.descriptionFileName, DiffusersFolder.textEncoderFileName]
        guard !exists(url.appendingPathComponent("model_index.json")),
              marks.contains(where: { exists(url.appendingPathComponent($0)) }) else { return nil }
        return url
    }

    /// The T5 tokenizer file in a `tokenizer_3/` folder: `spiece.model`, else `tokenizer.json`.
    static func t5TokenizerFile(in folder: URL) -> SD3T5TokenizerSource? {
        let spiece = folder.appendingPathComponent("spiece.model")
        if exists(spiece) { return .sentencePiece(spiece) }
        let json = folder.appendingPathComponent("tokenizer.json")
        return exists(json) ? .tokenizerJSON(json) : nil
    }

    /// The weights file of a component folder: the plain file, its index, the `.fp16` variant or
    /// its index, in that order (diffusers' and transformers' names both accepted). Nil when none.
    static func weightsFile(in folder: URL) -> URL? {
        for stem in ["diffusion_pytorch_model", "model"] {
            for variant in ["", ".fp16"] {
                for suffix in [".safetensors", ".safetensors.index.json"] {
                    let url = folder.appendingPathComponent(stem + variant + suffix)
                    if exists(url) { return url }
                }
            }
        }
        return nil
    }
}
