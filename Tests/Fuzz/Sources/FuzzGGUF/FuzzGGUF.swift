import FlowCore
import FuzzSupport

/// A whole GGUF file: its header parsed in memory by `GGUFHeader` (the same checks `GGUFFile`
/// makes on the mapped file), then every tensor of a supported block type turned into Float32
/// from the input's bytes, and the block types checked as `GGUFFile` does when it opens a file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGGUF(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard let header = try? GGUFHeader(bytes: bytes, path: "input.gguf") else { return 0 }
    _ = header.architecture
    for key in header.metadataKeys { _ = header.metadata[key]?.integers }
    for info in header.tensors where info.type.isSupported {
        let tensor = GGUFFile.tensor(info, in: bytes)
        precondition(tensor.count == info.elementCount && tensor.shape.reduce(1, *) == info.elementCount)
    }
    return 0
}

@_cdecl("FuzzGGUF_main")
public func fuzzGGUFMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzGGUF)
}
