import Foundation
import Testing
import FlowCore
import MMDiT
import RectifiedFlow
@testable import Training
import TestSupport

/// The MM-DiT's backward and the optimiser against PyTorch autograd and `torch.optim.AdamW` on a
/// tiny diffusers model (Tests/Reference/make_grad_fixtures.py: 2 blocks, hidden 32, qk-norm,
/// patch 4, 16×16 RGB, batch 3; grad_mmditx: hidden 16, block 0 an MMDiT-X block, batch 2). Every parameter's gradient must match within 1e-4·max|ref| of
/// that tensor (gradients span 9e-5 … 0.13 across tensors, so the scale is per tensor).
@Suite struct PyTorchGradientTests {
    struct Setup {
        let params: ParameterStore
        let model: MMDiT
        let io: SafeTensorsFile
    }

    /// The fixture model `name` (grad_mmdit, grad_mmditx), loaded strictly: its keys are diffusers' keys.
    static func setup(_ name: String = "grad_mmdit") throws -> Setup {
        let weights = try ReferenceFixtures.open(name + ".weights.safetensors")
        let params = ParameterStore()
        let model = try MMDiT(config: MMDiTConfig.detect(from: weights), declaringIn: params)
        params.allocateGradients()
        try params.load(from: weights)
        return Setup(params: params, model: model, io: try ReferenceFixtures.open(name + ".io.safetensors"))
    }

    /// Loss and gradients of the fixture batch; returns the loss and d(context), d(pooled).
    static func lossAndGradients(_ s: Setup) throws -> (Float, Tensor, Tensor) {
        let x0 = try s.io.tensor("x0"), noise = try s.io.tensor("noise"), t = try s.io.tensor("t").scalars
        let context = try s.io.tensor("encoder_hidden_states"), pooled = try s.io.tensor("pooled_projections")
        let zt = FlowMatching.noisy(data: x0, noise: noise, t: t)
        let target = patchify(FlowMatching.target(data: x0, noise: noise), patch: s.model.config.patchSize, order: .channelsLast)
        var dContext = Tensor(zeros: context.shape), dPooled = Tensor(zeros: pooled.shape)
        s.params.zeroGrads()
        let loss = context.scalars.withUnsafeBufferPointer { ctx in
            pooled.scalars.withUnsafeBufferPointer { pool in
                let tape = s.model.makeTape(batch: x0.shape[0], latentHeight: x0.shape[2], latentWidth: x0.shape[3],
                                            contextTokens: context.shape[1], context: ctx.baseAddress!, pooled: pool.baseAddress!)
                _ = s.model.forward(latents: zt, timesteps: t.map { $0 * 1000 }, context: ctx.baseAddress!,
                                    contextTokens: context.shape[1], pooled: pool.baseAddress!, tape: tape)
                var dOutput = [Float](repeating: 0, count: tape.output.count)
                let loss = target.scalars.withUnsafeBufferPointer { y in
                    dOutput.withUnsafeMutableBufferPointer { g in
                        FlowMatching.meanSquaredError(prediction: tape.output.p, target: y.baseAddress!, count: g.count, gradient: g.baseAddress!)
                    }
                }
                dOutput.withUnsafeBufferPointer { g in
                    dContext.scalars.withUnsafeMutableBufferPointer { dc in
                        dPooled.scalars.withUnsafeMutableBufferPointer { dp in
                            s.model.backward(tape: tape, dOutput: g.baseAddress!, dContext: dc.baseAddress!, dPooled: dp.baseAddress!)
                        }
                    }
                }
                return loss
            }
        }
        return (loss, dContext, dPooled)
    }

    @Test(arguments: ["grad_mmdit", "grad_mmditx"])
    func lossAndEveryGradientMatchPyTorch(fixture: String) throws {
        let s = try Self.setup(fixture)
        // grad_mmditx: block 0 is an MMDiT-X block (attn2 with its own qk-norm); the strict load has
        // already checked that its attn2 tensors were all declared and read.
        #expect(s.model.config.dualAttentionLayers == (fixture == "grad_mmditx" ? [0] : []))
        #expect(s.model.config.qkNorm)
        let (loss, dContext, dPooled) = try Self.lossAndGradients(s)
        let reference = try s.io.tensor("loss").scalars[0]
        #expect(abs(loss - reference) <= 1e-5 * max(1, abs(reference)), "loss \(loss) vs PyTorch \(reference)")
        var failures: [String] = [], worst: (Float, String) = (0, "")
        for (id, entry) in s.params.entries.enumerated() where entry.trainable {
            let ours = Tensor(shape: entry.shape, scalars: Array(UnsafeBufferPointer(start: s.params.grad(id), count: entry.count)))
            let theirs = try s.io.tensor("grad." + entry.name)
            let tolerance = 1e-4 * max(theirs.maxAbs, 1e-12)
            let result = compare(ours, theirs, relative: 0)
            let relative = result.maxAbsDiff / max(theirs.maxAbs, 1e-12)
            if relative > worst.0 { worst = (relative, entry.name) }
            if result.maxAbsDiff > tolerance { failures.append("\(entry.name): max|Δ| \(result.maxAbsDiff), max|ref| \(theirs.maxAbs)") }
        }
        print("\(fixture): loss \(loss) vs PyTorch \(reference); worst gradient max|Δ|/max|ref| \(worst.0) (\(worst.1))")
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        for (ours, name) in [(dContext, "grad.encoder_hidden_states"), (dPooled, "grad.pooled_projections")] {
            let theirs = try s.io.tensor(name)
            let r = compare(ours, theirs, relative: 0)
            print("\(fixture): \(name) max|Δ| \(r.maxAbsDiff), max|ref| \(theirs.maxAbs)")
            #expect(r.maxAbsDiff <= 1e-4 * theirs.maxAbs, "\(name): \(r)")
        }
    }

    @Test func clippingAndAdamWMatchPyTorchOverThreeSteps() throws {
        let s = try Self.setup()
        let fixture = try ReferenceFixtures.open("grad_mmdit_adamw.safetensors")
        let adam = AdamW(parameterCount: s.params.count, weightDecay: 0.01)
        adam.decayScope = .all
        let losses = try fixture.tensor("losses").scalars, norms = try fixture.tensor("grad_norms").scalars
        for step in 0..<3 {
            let (loss, _, _) = try Self.lossAndGradients(s)
            #expect(abs(loss - losses[step]) <= 1e-5 * max(1, losses[step]), "step \(step): loss \(loss) vs \(losses[step])")
            let norm = clipGradientNorm(s.params, maxNorm: 1)
            #expect(abs(norm - norms[step]) <= 1e-4 * norms[step], "step \(step): grad norm \(norm) vs \(norms[step])")
            adam.update(s.params, lr: 1e-3)
        }
        for name in ["pos_embed.proj.weight", "transformer_blocks.0.norm1.linear.weight", "transformer_blocks.1.attn.norm_added_q.weight"] {
            let id = try #require(s.params.id(name))
            let theirs = try fixture.tensor("after." + name)
            let r = compare(s.params.tensor(id), theirs, relative: 0)
            #expect(r.maxAbsDiff <= 2e-6, "\(name): \(r)")
        }
    }
}
