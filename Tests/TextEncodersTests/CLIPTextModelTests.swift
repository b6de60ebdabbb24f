import Foundation
import Testing
import FlowCore
import TestSupport
@testable import TextEncoders

/// `CLIPTextModel` against transformers' `CLIPTextModelWithProjection` on the tiny random models of
/// `fixtures/text_encoders/` (CLIP-L-like: width 32 = 2 heads of 16, quick_gelu; bigG-like: width 64
/// = 1 head of 64, exact gelu), one 77-token sequence of random ids with an EOS at position 21,
/// random ids after it, then padding.
@Suite struct CLIPTextModelTests {
    func model(_ name: String, config: CLIPTextConfig? = nil, weights: TensorProvider? = nil) throws -> CLIPTextModel {
        let config = try config ?? CLIPTextConfig(contentsOf: TextEncoderFixtures.url(name + "/config.json"))
        return try CLIPTextModel(config: config, weights: weights ?? TextEncoderFixtures.weights(name))
    }

    @Test(arguments: ["clip_l", "clip_g"])
    func penultimateAndPooledMatchTransformers(_ name: String) throws {
        let ref = try TextEncoderFixtures.reference()
        let out = try model(name).encode(try TextEncoderFixtures.ids(name + ".ids"))
        #expect(out.pooledIndex == 21)
        let h = expectClose(out.hiddenStates, try ref.tensor(name + ".penultimate"), name + " penultimate")
        let p = expectClose(out.pooled, try ref.tensor(name + ".pooled"), name + " pooled")
        print("\(name): penultimate \(h), pooled \(p)")
    }

    @Test func configJSONHasTheFixtureValues() throws {
        let l = try CLIPTextConfig(contentsOf: TextEncoderFixtures.url("clip_l/config.json"))
        #expect(l == CLIPTextConfig(vocabSize: 524, hiddenSize: 32, intermediateSize: 64, numAttentionHeads: 2, numHiddenLayers: 2,
                                    hiddenAct: "quick_gelu", projectionDim: 24, eosTokenID: 2))
    }

    @Test func bigGConfigIsDetectedFromTheWeightsAlone() throws {
        let weights = try TextEncoderFixtures.weights("clip_g")
        let detected = try CLIPTextConfig.detect(from: weights, role: .clipG)
        #expect(detected == (try CLIPTextConfig(contentsOf: TextEncoderFixtures.url("clip_g/config.json"))))
        let out = try CLIPTextModel(weights: weights, role: .clipG).encode(try TextEncoderFixtures.ids("clip_g.ids"))
        let ref = try TextEncoderFixtures.reference()
        expectClose(out.hiddenStates, try ref.tensor("clip_g.penultimate"), "detected clip_g penultimate")
        expectClose(out.pooled, try ref.tensor("clip_g.pooled"), "detected clip_g pooled")
        #expect(try CLIPTextConfig.detect(from: weights, role: .clipL).hiddenAct == "quick_gelu")
    }

    @Test func widthNotAMultipleOf64CannotBeDetected() throws {
        #expect {
            try CLIPTextConfig.detect(from: TextEncoderFixtures.weights("clip_l"), role: .clipL)
        } throws: { error in
            "\(error)".contains("width 32 is not a multiple of CLIP's head width 64")
        }
    }

    @Test func withoutTextProjectionThePooledOutputIsNotProjected() throws {
        var weights = try TextEncoderFixtures.editableWeights("clip_l")
        weights.tensors["text_projection.weight"] = nil
        var config = try CLIPTextConfig(contentsOf: TextEncoderFixtures.url("clip_l/config.json"))
        // projection_dim 24 ≠ width 32: identity is impossible, and the error says so.
        #expect { try model("clip_l", config: config, weights: weights) } throws: { error in
            "\(error)".contains("missing key 'text_projection.weight'") && "\(error)".contains("identity")
        }
        config.projectionDim = config.hiddenSize
        let m = try model("clip_l", config: config, weights: weights)
        #expect(!m.hasProjection)
        let out = try m.encode(try TextEncoderFixtures.ids("clip_l.ids"))
        let ref = try TextEncoderFixtures.reference()
        expectClose(out.pooled, try ref.tensor("clip_l.pooled_unprojected"), "unprojected pooled")
        expectClose(out.hiddenStates, try ref.tensor("clip_l.penultimate"), "penultimate without projection")
    }

    @Test func anEOSTokenIDOtherThan2PoolsAtItsFirstOccurrence() throws {
        var config = try CLIPTextConfig(contentsOf: TextEncoderFixtures.url("clip_l/config.json"))
        config.eosTokenID = 7
        let out = try model("clip_l", config: config).encode(try TextEncoderFixtures.ids("clip_l.ids"))
        #expect(out.pooledIndex == 5)
        expectClose(out.pooled, try TextEncoderFixtures.reference().tensor("clip_l.pooled_eos7"), "pooled at eos 7")
    }

    /// With 2 layers, `clip_skip` 1 takes `hidden_states[-3]`: the embeddings, token + position.
    @Test func clipSkipTakesAnEarlierHiddenState() throws {
        let ids = try TextEncoderFixtures.ids("clip_l.ids")
        let out = try model("clip_l").encode(ids, clipSkip: 1)
        let w = try TextEncoderFixtures.weights("clip_l")
        let tok = try w.tensor("text_model.embeddings.token_embedding.weight"), pos = try w.tensor("text_model.embeddings.position_embedding.weight")
        var expected = Tensor(zeros: [77, 32])
        for (i, id) in ids.enumerated() { for j in 0..<32 { expected[i, j] = tok[id, j] + pos[i, j] } }
        expectClose(out.hiddenStates, expected, "clip skip 1", relative: 1e-6)
        #expect(throws: TextModelError.self) { try model("clip_l").encode(ids, clipSkip: 2) }
    }

    @Test func strictLoadingNamesEveryMissingAndUnusedKey() throws {
        var weights = try TextEncoderFixtures.editableWeights("clip_l")
        weights.tensors["text_model.encoder.layers.1.mlp.fc2.bias"] = nil
        weights.tensors["text_model.encoder.layers.2.mlp.fc2.bias"] = Tensor(zeros: [32])
        weights.tensors["text_model.embeddings.position_ids"] = Tensor(zeros: [1, 77])  // old files: ignored
        #expect { try model("clip_l", weights: weights) } throws: { error in
            guard case let TextModelError.weightsDoNotMatch(_, problems) = error else { return false }
            return problems.count == 2
                && problems.contains { $0.contains("missing key 'text_model.encoder.layers.1.mlp.fc2.bias'") }
                && problems.contains { $0.contains("unused key 'text_model.encoder.layers.2.mlp.fc2.bias'") }
        }
    }

    @Test func badInputsThrow() throws {
        let m = try model("clip_l")
        #expect(throws: TextModelError.self) { try m.encode([Int](repeating: 1, count: 78)) }
        #expect(throws: TextModelError.self) { try m.encode([524]) }
        #expect(throws: TextModelError.self) { try m.encode([]) }
    }
}
