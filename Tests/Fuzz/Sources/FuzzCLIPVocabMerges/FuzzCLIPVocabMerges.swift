import FuzzSupport
import TextEncoders

/// CLIP's `vocab.json` and `merges.txt` (the input split at its first NUL byte), read by
/// `CLIPTokenizer(vocabularyURL:mergesURL:)`, and a prompt encoded with an accepted pair.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCLIPVocabMerges(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let (vocabulary, merges) = FuzzInput(data, size).splitAtNUL
    let vocabularyURL = ScratchFile.write(vocabulary, named: "vocab.json")
    let mergesURL = ScratchFile.write(merges, named: "merges.txt")
    guard let tokenizer = try? CLIPTokenizer(vocabularyURL: vocabularyURL, mergesURL: mergesURL) else { return 0 }
    _ = tokenizer.encode("a photo of a red cat, lowest-possible 1024px 😀 café")
    return 0
}

@_cdecl("FuzzCLIPVocabMerges_main")
public func fuzzCLIPVocabMergesMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzCLIPVocabMerges)
}
