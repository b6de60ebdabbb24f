import FlowCore
import Foundation
import FuzzSupport

/// A `*.safetensors.index.json` and one shard it may name (the input split at its first NUL:
/// the index, then the bytes of `model-00001-of-00001.safetensors` beside it): opened, and every
/// tensor it lists read.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzShardedIndex(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let (index, shard) = FuzzInput(data, size).splitAtNUL
    _ = ScratchFile.write(shard, named: "model-00001-of-00001.safetensors")
    let url = ScratchFile.write(index, named: "model.safetensors.index.json")
    guard let sharded = try? ShardedSafeTensors(indexURL: url) else { return 0 }
    for name in sharded.tensorNames.prefix(16) {
        if let shape = sharded.tensorShape(name), shape.reduce(1, { $0 &* max($1, 1) }) <= 1 << 20 {
            _ = try? sharded.loadTensor(name)
        }
    }
    return 0
}

@_cdecl("FuzzShardedIndex_main")
public func fuzzShardedIndexMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzShardedIndex)
}
