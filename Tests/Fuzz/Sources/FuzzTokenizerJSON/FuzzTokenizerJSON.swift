import FuzzSupport
import TextEncoders

/// A Hugging Face `tokenizer.json`, read as CLIP's (first byte even) or T5's (odd), and a
/// prompt encoded with an accepted one.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizerJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let (selector, payload) = FuzzInput(data, size).selector
    let url = ScratchFile.write(payload, named: "tokenizer.json")
    let prompt = "a photo of a red cat, lowest-possible 1024px 😀 café"
    if selector % 2 == 0 {
        guard let tokenizer = try? CLIPTokenizer(tokenizerJSON: url) else { return 0 }
        _ = tokenizer.encode(prompt)
    } else {
        guard let tokenizer = try? T5Tokenizer(tokenizerJSON: url) else { return 0 }
        _ = tokenizer.encode(prompt)
    }
    return 0
}

@_cdecl("FuzzTokenizerJSON_main")
public func fuzzTokenizerJSONMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzTokenizerJSON)
}
