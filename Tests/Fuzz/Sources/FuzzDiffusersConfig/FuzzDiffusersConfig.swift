import Foundation
import FuzzSupport
import MMDiT

/// A diffusers `config.json` (SD3Transformer2DModel): decoded, turned into an MM-DiT config,
/// and written back.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDiffusersConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    guard let config = try? JSONDecoder().decode(DiffusersTransformerConfig.self, from: Data(input.bytes)),
          let mmdit = try? config.mmditConfig() else { return 0 }
    _ = mmdit.description
    if let back = try? DiffusersTransformerConfig(mmdit, sampleSize: config.sampleSize) {
        _ = try? JSONEncoder().encode(back)
    }
    return 0
}

@_cdecl("FuzzDiffusersConfig_main")
public func fuzzDiffusersConfigMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzDiffusersConfig)
}
