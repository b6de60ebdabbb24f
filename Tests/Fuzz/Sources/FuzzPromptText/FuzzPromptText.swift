import Foundation
import FuzzSupport
import Studio
import TextEncoders

/// Prompt text, the input every user types or pastes: encoded by the bundled CLIP BPE
/// tokenizer (both pad tokens SD3 uses), by T5's SentencePiece tokenizer (the committed test
/// model), and by the demo model's word tokenizer; then edited in the studio's prompt editor
/// (inserted, wrapped at a width the first byte picks, walked line by line, words deleted) and
/// cut to a width as the status line does.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPromptText(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let (selector, payload) = FuzzInput(data, size).selector
    let text = String(decoding: payload, as: UTF8.self)
    _ = PromptTokenizers.clip?.encode(text)
    _ = PromptTokenizers.clipBang?.encode(text)
    _ = PromptTokenizers.t5?.encode(text)
    _ = PromptTokenizers.words.encode(text)

    let width = Int(selector % 80) + 1
    var editor = PromptEditor("a red circle", maxLength: 4000)
    _ = editor.insert(text)
    let lines = editor.wrap(width: width)
    _ = editor.lineIndex(of: editor.cursor, in: lines)
    editor.moveToStart()
    // Down at most 64 times: each move wraps the whole text, and walking all of a 4000-line
    // text at width 1 is quadratic (seconds under AddressSanitizer; a user presses one key at a
    // time). That Down always reaches the last line is a unit test (PromptEditorTests).
    for _ in 0..<64 {
        if !editor.moveVertically(by: 1, width: width) { break }
    }
    editor.moveToLineEnd(width: width)
    editor.deleteWordBackward()
    editor.moveWordLeft()
    editor.deleteWordForward()
    _ = DisplayWidth.truncate(text, to: width)
    _ = DisplayWidth.head(text, columns: width)
    return 0
}

/// The tokenizers, built once per process.
enum PromptTokenizers {
    static let clip = try? CLIPTokenizer.bundled()
    static let clipBang = try? CLIPTokenizer.bundled(padToken: "!")
    /// The committed 34 kB SentencePiece model (`Tests/Reference/fixtures/text_encoders/`);
    /// nil when the fuzzer runs outside the source tree.
    static let t5: T5Tokenizer? = try? T5Tokenizer(sentencePieceModel: URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().appendingPathComponent("../../../Reference/fixtures/text_encoders/t5_tokenizer/spiece.model")
        .standardizedFileURL)
    static let words = WordTokenizer(words: ["a", "red", "green", "blue", "circle", "square", "triangle", "left", "right",
                                             "of", "the", "on", "and", "small", "large"], length: 16)
}

@_cdecl("FuzzPromptText_main")
public func fuzzPromptTextMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzPromptText)
}
