import Foundation
import Testing
import FlowCore
import TestSupport
@testable import TextEncoders

/// `T5Encoder` against transformers' `T5EncoderModel` on the tiny random model of
/// `fixtures/text_encoders/t5` (d_model 104, 4 heads of 8, d_ff 24, gated-gelu, 32 buckets / max
/// distance 128), 80 random ids with `</s>` at 60 and padding after it (attended: no mask).
@Suite struct T5EncoderTests {
    static func config() throws -> T5EncoderConfig { try T5EncoderConfig(contentsOf: TextEncoderFixtures.url("t5/config.json")) }

    @Test func lastHiddenStateMatchesTransformers() throws {
        let encoder = try T5Encoder(config: Self.config(), weights: TextEncoderFixtures.weights("t5"))
        let out = try encoder.encode(try TextEncoderFixtures.ids("t5.ids"))
        let c = expectClose(out, try TextEncoderFixtures.reference().tensor("t5.hidden"), "T5 last hidden state")
        print("T5: \(c)")
    }

    @Test func bucketsMatchTransformersExactly() throws {
        let expected = try TextEncoderFixtures.ids("t5.buckets_32_128")
        let config = T5EncoderConfig.xxl
        let buckets = (-300...300).map { config.relativePositionBucket($0) }
        #expect(buckets == expected)
        // Every bucket but 16 ("distance +0", which is bucket 0) is used: the log part and the clamp too.
        #expect(Set(buckets) == Set(0..<32).subtracting([16]))
    }

    @Test func configIsDetectedFromTheWeightsAlone() throws {
        let weights = try TextEncoderFixtures.weights("t5")
        #expect(try T5EncoderConfig.detect(from: weights) == Self.config())
        let out = try T5Encoder(weights: weights).encode(try TextEncoderFixtures.ids("t5.ids"))
        expectClose(out, try TextEncoderFixtures.reference().tensor("t5.hidden"), "detected T5")
    }

    /// Files hold the tied embedding as `shared.weight`, `encoder.embed_tokens.weight` or both.
    @Test func eitherOrBothEmbeddingKeysAreAccepted() throws {
        let ids = try TextEncoderFixtures.ids("t5.ids")
        let reference = try TextEncoderFixtures.reference().tensor("t5.hidden")
        var renamed = try TextEncoderFixtures.editableWeights("t5")
        let table = renamed.tensors.removeValue(forKey: "shared.weight")!
        renamed.tensors["encoder.embed_tokens.weight"] = table
        expectClose(try T5Encoder(weights: renamed).encode(ids), reference, "embed_tokens only")
        var both = renamed
        both.tensors["shared.weight"] = table
        expectClose(try T5Encoder(weights: both).encode(ids), reference, "both keys")
        var different = both
        different.tensors["shared.weight"]!.scalars[5] += 1
        #expect { try T5Encoder(weights: different) } throws: { "\($0)".contains("differs from 'shared.weight'") }
        var neither = renamed
        neither.tensors["encoder.embed_tokens.weight"] = nil
        #expect { try T5Encoder(config: Self.config(), weights: neither) } throws: {
            "\($0)".contains("missing key 'shared.weight'") && "\($0)".contains("encoder.embed_tokens.weight")
        }
    }

    @Test func strictLoadingNamesEveryMissingAndUnusedKey() throws {
        var weights = try TextEncoderFixtures.editableWeights("t5")
        weights.tensors["encoder.block.1.layer.1.DenseReluDense.wi_1.weight"] = nil
        weights.tensors["encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight"] = Tensor(zeros: [32, 4])
        #expect { try T5Encoder(config: Self.config(), weights: weights) } throws: { error in
            guard case let TextModelError.weightsDoNotMatch(_, problems) = error else { return false }
            return problems.count == 2
                && problems.contains { $0.contains("missing key 'encoder.block.1.layer.1.DenseReluDense.wi_1.weight'") }
                && problems.contains { $0.contains("unused key 'encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight'") }
        }
    }

    @Test func feedForwardProjIsReadAsTransformersReadsIt() {
        func ff(_ s: String) -> String? {
            var c = T5EncoderConfig.xxl
            c.feedForwardProj = s
            return c.feedForward.map { "\($0.gated) \($0.activation.rawValue)" }
        }
        #expect(ff("gated-gelu") == "true gelu_new")
        #expect(ff("gated-gelu_new") == "true gelu_new")
        #expect(ff("relu") == "false relu")
        #expect(ff("gated-silu") == nil)
        #expect(ff("a-b-c") == nil)
    }
}
