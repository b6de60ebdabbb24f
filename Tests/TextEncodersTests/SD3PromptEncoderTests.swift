import Foundation
import Testing
import FlowCore
import TestSupport
import TextEncoders

/// `SD3PromptEncoder` against diffusers 0.42.1's `StableDiffusion3Pipeline.encode_prompt`, run by
/// the fixture script with the tiny encoders and tokenizers of `fixtures/text_encoders/`
/// (`max_sequence_length` 8, joint_attention_dim 104 = T5's width; CLIP widths 32 + 64 = 96, so
/// 8 zero columns of padding). The prompt is longer than 77 CLIP tokens and 8 T5 tokens.
@Suite struct SD3PromptEncoderTests {
    struct Parts {
        let tokenizerL: CLIPTokenizer, tokenizerG: CLIPTokenizer, tokenizerT5: T5Tokenizer
        let clipL: CLIPTextModel, clipG: CLIPTextModel, t5: T5Encoder
    }

    static func parts() throws -> Parts {
        let vocab = TextEncoderFixtures.url("clip_tokenizer/vocab.json"), merges = TextEncoderFixtures.url("clip_tokenizer/merges.txt")
        func clip(_ name: String) throws -> CLIPTextModel {
            try CLIPTextModel(config: CLIPTextConfig(contentsOf: TextEncoderFixtures.url(name + "/config.json")),
                              weights: TextEncoderFixtures.weights(name))
        }
        return Parts(tokenizerL: try CLIPTokenizer(vocabularyURL: vocab, mergesURL: merges),
                     tokenizerG: try CLIPTokenizer(vocabularyURL: vocab, mergesURL: merges, padToken: "!"),
                     tokenizerT5: try T5Tokenizer(sentencePieceModel: TextEncoderFixtures.url("t5_tokenizer/spiece.model")),
                     clipL: try clip("clip_l"), clipG: try clip("clip_g"),
                     t5: try T5Encoder(config: T5EncoderConfig(contentsOf: TextEncoderFixtures.url("t5/config.json")),
                                       weights: TextEncoderFixtures.weights("t5")))
    }

    static let prompt = "a red cube on a blue sphere, small green pyramid behind it, soft light, photo, sharp focus, 35mm, wide angle"
    static let length = 8, joint = 104

    func encode(_ p: Parts, _ prompt: String, t5: Bool) throws -> SD3PromptEmbedding {
        let l = try SD3PromptEncoder.clip(prompt, tokenizer: p.tokenizerL, model: p.clipL)
        let g = try SD3PromptEncoder.clip(prompt, tokenizer: p.tokenizerG, model: p.clipG)
        let t = t5 ? try SD3PromptEncoder.t5(prompt, tokenizer: p.tokenizerT5, model: p.t5, maxSequenceLength: Self.length) : nil
        return try SD3PromptEncoder.assemble(clipL: l, clipG: g, t5: t, jointAttentionDim: Self.joint, maxSequenceLength: Self.length)
    }

    @Test func tokenizersGiveThePipelinesIDs() throws {
        let p = try Self.parts()
        #expect(p.tokenizerL.encode(Self.prompt).tokens == (try TextEncoderFixtures.ids("pipe.ids.clip_l")))
        #expect(p.tokenizerG.encode(Self.prompt).tokens == (try TextEncoderFixtures.ids("pipe.ids.clip_g")))
        #expect(p.tokenizerT5.encode(Self.prompt, length: Self.length).tokens == (try TextEncoderFixtures.ids("pipe.ids.t5")))
    }

    @Test func promptAndEmptyNegativeMatchEncodePrompt() throws {
        let p = try Self.parts()
        let ref = try TextEncoderFixtures.reference()
        let positive = try encode(p, Self.prompt, t5: true)
        #expect(positive.context.shape == [1, 77 + Self.length, Self.joint])
        let c = expectClose(positive.context, try ref.tensor("pipe.context"), "prompt_embeds")
        expectClose(positive.pooled, try ref.tensor("pipe.pooled"), "pooled_prompt_embeds")
        print("SD3 prompt embeds: \(c)")
        #expect(!positive.clipTruncatedWords.isEmpty && !positive.t5TruncatedWords.isEmpty)
        #expect(positive.clipTruncatedWords.last == "angle")
        // The pipeline's default negative prompt is "" encoded.
        let negative = try encode(p, "", t5: true)
        expectClose(negative.context, try ref.tensor("pipe.negative_context"), "negative_prompt_embeds")
        expectClose(negative.pooled, try ref.tensor("pipe.negative_pooled"), "negative_pooled_prompt_embeds")
        #expect(negative.clipTruncatedWords.isEmpty && negative.t5TruncatedWords.isEmpty)
        // The CLIP features' zero padding: columns 96 ..< 104 of the first 77 rows are exactly 0.
        for r in 0..<77 { for j in 96..<Self.joint { #expect(positive.context[0, r, j] == 0) } }
    }

    /// Without T5 the pipeline puts zeros [max_sequence_length, joint_attention_dim] after the CLIP
    /// rows (the script asserts its output is the T5 run's first 77 rows, then zeros).
    @Test func withoutT5TheT5RowsAreZeros() throws {
        let p = try Self.parts()
        let ref = try TextEncoderFixtures.reference()
        let e = try encode(p, Self.prompt, t5: false)
        #expect(e.context.shape == [1, 77 + Self.length, Self.joint])
        let withT5 = try ref.tensor("pipe.context")
        let n = 77 * Self.joint
        expectClose(Tensor(shape: [n], scalars: Array(e.context.scalars[..<n])),
                    Tensor(shape: [n], scalars: Array(withT5.scalars[..<n])), "CLIP rows without T5")
        #expect(e.context.scalars[n...].allSatisfy { $0 == 0 })
        expectClose(e.pooled, try ref.tensor("pipe.pooled_no_t5"), "pooled without T5")
        #expect(e.t5TruncatedWords.isEmpty)
    }

    @Test func assemblyRejectsWidthsThatDoNotFit() throws {
        let p = try Self.parts()
        let l = try SD3PromptEncoder.clip("", tokenizer: p.tokenizerL, model: p.clipL)
        let g = try SD3PromptEncoder.clip("", tokenizer: p.tokenizerG, model: p.clipG)
        #expect(throws: TextModelError.self) { try SD3PromptEncoder.assemble(clipL: l, clipG: g, t5: nil, jointAttentionDim: 90) }
        let t = try SD3PromptEncoder.t5("", tokenizer: p.tokenizerT5, model: p.t5, maxSequenceLength: 4)
        #expect(throws: TextModelError.self) { try SD3PromptEncoder.assemble(clipL: l, clipG: g, t5: t, jointAttentionDim: 128) }
    }
}
