import FlowCore
import Foundation
import FuzzSupport
import Generation
import VAE
#if canImport(Glibc)
import Glibc
#endif

/// A checkpoint's tensor names and shapes as `SD3ModelFiles.locate` judges them (Stability single
/// file, MM-DiT-only file, another family, the demo model): the input is a safetensors header
/// (JSON). When it parses as an object, each entry's `data_offsets` are recomputed from its dtype
/// and shape (laid out one after another) so that mutated shapes reach the family and config
/// detection instead of failing the byte-count check; the data region is a sparse run of zeros
/// (at most 256 MB, never written). An accepted model's defaults, memory estimate and VAE config
/// are computed as the loader does before it reads any weights.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSD3Checkpoint(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = Data(FuzzInput(data, size).bytes)
    let (header, dataBytes) = laidOut(input) ?? (input, 0)
    var file = Data()
    withUnsafeBytes(of: UInt64(header.count).littleEndian) { file.append(contentsOf: $0) }
    file.append(header)
    let url = ScratchFile.directory.appendingPathComponent("model.safetensors")
    do {
        try file.write(to: url)
    } catch {
        fatalError("cannot write the scratch file \(url.path): \(error)")
    }
    guard truncate(url.path, off_t(file.count + dataBytes)) == 0 else { fatalError("cannot extend \(url.path)") }

    guard case let .sd3(files)? = try? SD3ModelFiles.locate(SD3ModelPaths(model: url)) else { return 0 }
    _ = (files.family, files.defaults, files.transformerConfig.description, files.notes, files.warnings)
    _ = SD3MemoryEstimate(files: files, width: 64, height: 64, availableBytes: 1 << 34).description
    if let vae = files.vae { _ = try? VAEDecoderConfig.detect(from: vae.weights) }
    return 0
}

/// The header with every entry's `data_offsets` recomputed, and the data region's size; nil
/// when the input is not a JSON object or the tensors would need more than 256 MB.
func laidOut(_ input: Data) -> (Data, Int)? {
    guard var object = (try? JSONSerialization.jsonObject(with: input)) as? [String: Any] else { return nil }
    var offset = 0
    for name in object.keys.sorted() where name != "__metadata__" {
        guard var entry = object[name] as? [String: Any], let dtype = entry["dtype"] as? String,
              let width = SafeTensorsDType(rawValue: dtype)?.byteCount,
              let shape = entry["shape"] as? [NSNumber] else { continue }
        var bytes = width, overflow = false
        for dimension in shape where !overflow {
            guard dimension.int64Value >= 0 else { overflow = true; break }
            (bytes, overflow) = bytes.multipliedReportingOverflow(by: Int(dimension.int64Value))
        }
        guard !overflow, bytes <= 256 << 20, offset + bytes <= 256 << 20 else { return nil }
        entry["data_offsets"] = [offset, offset + bytes]
        offset += bytes
        object[name] = entry
    }
    guard let header = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return nil }
    return (header, offset)
}

@_cdecl("FuzzSD3Checkpoint_main")
public func fuzzSD3CheckpointMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzSD3Checkpoint)
}
