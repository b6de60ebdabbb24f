import Foundation
import Testing
import FlowCore
import MMDiT
import TestSupport

/// The MM-DiT forward against diffusers' `SD3Transformer2DModel` on the committed fixtures
/// (Tests/Reference/make_fixtures.py): max|Δ| ≤ 1e-4 · max(1, max|ref|).
@Suite struct ForwardParityTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let weights: String
        var testDescription: String { "\(name) from \(weights)" }
    }

    static let cases = [
        Case(name: "forward_a", weights: "forward_a.weights.safetensors"),
        Case(name: "forward_b", weights: "forward_b.weights.safetensors"),
        Case(name: "forward_b", weights: "forward_b.stability.safetensors"),
        Case(name: "forward_c", weights: "forward_c.weights.safetensors"),
    ]

    @Test(arguments: cases)
    func matchesDiffusers(_ c: Case) throws {
        let weights = try ReferenceFixtures.open(c.weights)
        let model = try MMDiT(weights: diffusersView(of: weights))
        let io = try ReferenceFixtures.open(c.name + ".io.safetensors")
        let output = try model(latents: io.tensor("hidden_states"), context: io.tensor("encoder_hidden_states"),
                               pooled: io.tensor("pooled_projections"), timesteps: io.tensor("timestep").scalars)
        let result = compare(output, try io.tensor("sample"), relative: 1e-4)
        #expect(result.ok, "\(c): \(result)")
    }

    @Test func detectsEveryConfigField() throws {
        let b = try MMDiTConfig.detect(from: ReferenceFixtures.open("forward_b.weights.safetensors"))
        // b: 2 heads of 16, read from the qk-norm weight width.
        #expect(b == MMDiTConfig(depth: 3, hiddenSize: 32, heads: 2, patchSize: 2, inChannels: 16, outChannels: 16,
                                 contextDim: 48, pooledDim: 24, posEmbedMaxSize: 10, qkNorm: true,
                                 dualAttentionLayers: [], mlpHiddenSize: 128))
        // a: no qk-norm weights, so the head count comes from the family's head width 64.
        let a = try MMDiTConfig.detect(from: ReferenceFixtures.open("forward_a.weights.safetensors"))
        #expect(a == MMDiTConfig(depth: 2, hiddenSize: 64, heads: 1, patchSize: 2, inChannels: 16, outChannels: 16,
                                 contextDim: 24, pooledDim: 16, posEmbedMaxSize: 4, qkNorm: false,
                                 dualAttentionLayers: [], mlpHiddenSize: 256))
        let c = try MMDiTConfig.detect(from: ReferenceFixtures.open("forward_c.weights.safetensors"))
        #expect(c == MMDiTConfig(depth: 2, hiddenSize: 32, heads: 2, patchSize: 2, inChannels: 16, outChannels: 16,
                                 contextDim: 48, pooledDim: 24, posEmbedMaxSize: 6, qkNorm: true,
                                 dualAttentionLayers: [0], mlpHiddenSize: 128))
        let stability = try MMDiTConfig.detect(from: diffusersView(of: ReferenceFixtures.open("forward_b.stability.safetensors")))
        #expect(stability == b)
    }
}
