import Foundation
import FuzzSupport
import TextEncoders
import VAE

/// The component configs an SD3 folder holds (selector byte % 3): a CLIP `config.json`, a T5
/// `config.json`, a VAE `config.json`; each decoded and validated, then its derived values read.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSD3Configs(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let (selector, payload) = FuzzInput(data, size).selector
    let json = Data(payload)
    switch selector % 3 {
    case 0:
        guard let config = try? JSONDecoder().decode(CLIPTextConfig.self, from: json), (try? config.validate()) != nil else { return 0 }
        _ = (config.headDim, config.activation)
    case 1:
        guard let config = try? JSONDecoder().decode(T5EncoderConfig.self, from: json), (try? config.validate()) != nil else { return 0 }
        _ = (config.innerDim, config.feedForward)
        for distance in [-300, -1, 0, 1, 77, 300] { _ = config.relativePositionBucket(distance) }
    default:
        guard let config = try? VAEDecoderConfig.fromDiffusersJSON(json) else { return 0 }
        _ = config.blockOutChannels.count
    }
    return 0
}

@_cdecl("FuzzSD3Configs_main")
public func fuzzSD3ConfigsMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzSD3Configs)
}
