import FuzzSupport
import Generation
import Imaging

/// The first byte chooses: even, the rest is a PNG file read by `PNG.read` (image and text
/// chunks), whose `parameters` text is then parsed; odd, the rest is the `parameters` text
/// itself (A1111 format), parsed and turned into settings.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNGParameters(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let (selector, payload) = FuzzInput(data, size).selector
    let text: String
    if selector % 2 == 0 {
        let url = ScratchFile.write(payload, named: "input.png")
        guard let png = try? PNG.read(from: url), let parameters = png.text["parameters"] else { return 0 }
        text = parameters
    } else {
        text = String(decoding: payload, as: UTF8.self)
    }
    guard let parameters = try? A1111Parameters(parsing: text) else { return 0 }
    let defaults = GenerationSettings(prompt: "", steps: 28, cfgScale: 7, seed: 1, shift: 3, sampler: .euler,
                                      width: 64, height: 64)
    _ = try? parameters.settings(defaults: defaults)
    return 0
}

@_cdecl("FuzzPNGParameters_main")
public func fuzzPNGParametersMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzPNGParameters)
}
