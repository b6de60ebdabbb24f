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
        #expect(b == MMDiTConfig(depth: 3, hiddenSize: 64, heads: 2, patchSize: 2, inChannels: 16, outChannels: 16,
                                 contextDim: 48, pooledDim: 32, posEmbedMaxSize: 10, qkNorm: true,
                                 dualAttentionLayers: [], mlpHiddenSize: 256))
        let a = try MMDiTConfig.detect(from: ReferenceFixtures.open("forward_a.weights.safetensors"))
        #expect(a.depth == 2 && a.heads == 1 && !a.qkNorm && a.posEmbedMaxSize == 8)
        let c = try MMDiTConfig.detect(from: ReferenceFixtures.open("forward_c.weights.safetensors"))
        #expect(c.dualAttentionLayers == [0, 1] && c.qkNorm && c.posEmbedMaxSize == 6)
        let stability = try MMDiTConfig.detect(from: diffusersView(of: ReferenceFixtures.open("forward_b.stability.safetensors")))
        #expect(stability == b)
    }
}
