import Foundation
import Testing
import TextEncoders

/// The whole `nmt_nfkc` charsmap (T5's), too large to commit twice (spiece.model and base64 in
/// tokenizer.json): runs only when `T5_FULL_CHECK_DIR` names a directory written by
/// `make_t5_tokenizer_fixtures.py --full-check DIR` (every code point U+0020–U+2FFFF, combining
/// sequences, the fixture prompts).
@Suite struct T5TokenizerFullCharsmapTests {
    static let directory = ProcessInfo.processInfo.environment["T5_FULL_CHECK_DIR"]

    @Test(.enabled(if: directory != nil)) func everyCodePointAsTransformers() throws {
        let directory = URL(fileURLWithPath: Self.directory!)
        let fromModel = try T5Tokenizer(sentencePieceModel: directory.appendingPathComponent("spiece.model"))
        let fromJSON = try T5Tokenizer(tokenizerJSON: directory.appendingPathComponent("tokenizer.json"))
        let expected = try JSONSerialization.jsonObject(
            with: Data(contentsOf: directory.appendingPathComponent("expected.json"))) as! [String: Any]
        let prompts = expected["prompts"] as! [String], ids = expected["ids"] as! [[Int]]
        var mismatches: [String] = []
        for (prompt, reference) in zip(prompts, ids) {
            for tokenizer in [fromModel, fromJSON] where tokenizer.encode(prompt).tokens != reference {
                mismatches.append(prompt.unicodeScalars.prefix(8).map { String($0.value, radix: 16) }.joined(separator: " "))
            }
        }
        print("T5 full nmt_nfkc: \(prompts.count) prompts, \(mismatches.count) mismatches")
        #expect(prompts.count > 6000)
        #expect(mismatches.isEmpty, "\(mismatches.count) differ; first (code points): \(mismatches.prefix(5))")
    }
}
