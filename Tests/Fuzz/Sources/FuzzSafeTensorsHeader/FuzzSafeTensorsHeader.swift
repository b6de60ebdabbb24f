import FlowCore
import FuzzSupport

/// A whole safetensors file (length, JSON header, data): opened by `SafeTensorsFile`, and every
/// tensor it lists read back.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensorsHeader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let url = ScratchFile.write(FuzzInput(data, size).bytes, named: "input.safetensors")
    guard let file = try? SafeTensorsFile(contentsOf: url) else { return 0 }
    for name in file.names {
        _ = file.shape(of: name)
        _ = file.dtype(of: name)
        _ = try? file.tensor(name)
    }
    return 0
}

@_cdecl("FuzzSafeTensorsHeader_main")
public func fuzzSafeTensorsHeaderMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzSafeTensorsHeader)
}
