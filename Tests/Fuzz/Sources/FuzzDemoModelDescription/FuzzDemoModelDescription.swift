import DemoModelFormat
import FlowCore
import Foundation
import FuzzSupport

/// The demo model's description (the `flowstudio.model` metadata JSON): decoded and validated,
/// and what `defaults` and the studio derive from an accepted one.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDemoModelDescription(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    guard let description = try? DemoModelDescription(json: Data(input.bytes)) else { return 0 }
    _ = description.trainingLines()
    _ = description.textEncoder.weightShapes
    _ = description.transformer.description
    _ = try? description.metadataValue()
    return 0
}

@_cdecl("FuzzDemoModelDescription_main")
public func fuzzDemoModelDescriptionMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzDemoModelDescription)
}
