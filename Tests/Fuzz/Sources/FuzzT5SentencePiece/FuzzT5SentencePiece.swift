import FuzzSupport
import TextEncoders

/// T5's `spiece.model` (SentencePiece's protobuf `ModelProto`), read by
/// `T5Tokenizer(sentencePieceModel:)`, and a prompt encoded with an accepted model.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzT5SentencePiece(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let url = ScratchFile.write(FuzzInput(data, size).bytes, named: "spiece.model")
    guard let tokenizer = try? T5Tokenizer(sentencePieceModel: url) else { return 0 }
    _ = tokenizer.encode("a photo of a red cat, lowest-possible 1024px 😀 café")
    return 0
}

@_cdecl("FuzzT5SentencePiece_main")
public func fuzzT5SentencePieceMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzT5SentencePiece)
}
