import Foundation
import Testing
import FlowCore
import MMDiT
import TestSupport

/// The MM-DiT forward with its linear weights re-held as bf16, Q8_0 and Q4_0 (the store's load
/// policy `MatrixStorage.rounded`, the conversion `bench forward --weights` uses) against the
/// same forward with the file's float32 weights, on the three tiny diffusers fixtures (plain,
/// qk-norm, MMDiT-X): the relative L2 error ‖y − y₃₂‖/‖y₃₂‖ stays under a bound set at about 2×
/// the value measured (products in float32 on both sides), and is above zero (the re-holding
/// really happened).
///
/// Measured on 2026-12-03 (relative L2 ‖y − y₃₂‖/‖y₃₂‖, then max|y − y₃₂|/max|y₃₂|; outputs up to ~4):
///
/// | fixture                | bf16               | Q8_0               | Q4_0               |
/// |------------------------|--------------------|--------------------|--------------------|
/// | forward_a (plain)      | 2.57e-3 / 2.05e-3  | 8.07e-3 / 7.02e-3  | 1.29e-1 / 1.19e-1  |
/// | forward_b (qk-norm)    | 2.36e-3 / 3.13e-3  | 8.13e-3 / 1.10e-2  | 1.28e-1 / 1.22e-1  |
/// | forward_c (MMDiT-X)    | 2.70e-3 / 3.58e-3  | 8.01e-3 / 8.37e-3  | 1.26e-1 / 1.47e-1  |
///
/// Bounds on the relative L2 error (about 2× the largest measured, rounded up): bf16 6e-3,
/// Q8_0 2e-2, Q4_0 0.3. (forward_b's context embedder, 48 columns, is not a whole number of
/// 32-value blocks, so it stays float32 under Q8_0 / Q4_0.)
@Suite struct HeldWeightsAccuracyTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let fixture: String
        let form: ParameterStorage
        /// The bound on the relative L2 error: about 2× the largest value measured for `form`, rounded up.
        var bound: Double {
            switch form {
            case .bfloat16: 6e-3
            case .blocks(.q8_0): 2e-2
            default: 0.3  // Q4_0
            }
        }
        var testDescription: String { "\(fixture) in \(form.shortName)" }
    }

    static let cases: [Case] = [
        Case(fixture: "forward_a", form: .bfloat16),
        Case(fixture: "forward_a", form: .blocks(.q8_0)),
        Case(fixture: "forward_a", form: .blocks(.q4_0)),
        Case(fixture: "forward_b", form: .bfloat16),
        Case(fixture: "forward_b", form: .blocks(.q8_0)),
        Case(fixture: "forward_b", form: .blocks(.q4_0)),
        Case(fixture: "forward_c", form: .bfloat16),
        Case(fixture: "forward_c", form: .blocks(.q8_0)),
        Case(fixture: "forward_c", form: .blocks(.q4_0)),
    ]

    @Test(arguments: cases)
    func staysCloseToFloat32(_ c: Case) throws {
        let weights = diffusersView(of: try ReferenceFixtures.open(c.fixture + ".weights.safetensors"))
        let reference = try MMDiT(weights: weights)
        let reheld = try MMDiT(weights: weights, matrices: .rounded(c.form))
        // Every matrix whose rows are whole blocks is re-held; the others stay float32.
        let kinds = Set(reheld.store.entries.filter(\.isMatrix).map(\.storage))
        #expect(kinds.contains(c.form), "\(c): matrices held as \(kinds)")

        let io = try ReferenceFixtures.open(c.fixture + ".io.safetensors")
        func forward(_ model: MMDiT) throws -> Tensor {
            try model(latents: io.tensor("hidden_states"), context: io.tensor("encoder_hidden_states"),
                      pooled: io.tensor("pooled_projections"), timesteps: io.tensor("timestep").scalars)
        }
        let y32 = try forward(reference), y = try forward(reheld)
        let error = RelativeError(y, reference: y32)
        print("\(c.testDescription): \(error)")
        #expect(error.l2 > 0, "\(c): no difference from float32, so the weights were not re-held")
        #expect(error.l2 < c.bound, "\(c): \(error), bound \(c.bound)")
    }

    @Test func relativeErrorOfKnownValues() {
        let reference = Tensor(shape: [4], scalars: [3, 0, -4, 0])  // ‖r‖ = 5, max|r| = 4
        let output = Tensor(shape: [4], scalars: [3, 1, -4, 0])
        let e = RelativeError(output, reference: reference)
        #expect(e.l2 == 0.2 && e.max == 0.25)
        let same = RelativeError(reference, reference: reference)
        #expect(same.l2 == 0 && same.max == 0)
        #expect(RelativeError(output, reference: Tensor(shape: [2], scalars: [1, 2])).l2.isNaN)
    }
}
