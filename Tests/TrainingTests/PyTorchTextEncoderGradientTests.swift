import Foundation
import Testing
import FlowCore
import TextEncoders
import TestSupport

/// The demo text encoder's backward against PyTorch autograd (Tests/Reference/make_grad_fixtures.py,
/// `grad_text.*`: a PyTorch re-implementation of `DemoTextTransformer`, width 16, 2 heads, 2 layers,
/// vocabulary 20, length 6, batch 3 with padding; loss = Σ context ⊙ W_c + Σ pooled ⊙ W_p). Same
/// tolerances as `PyTorchGradientTests`: every gradient within 1e-4·max|ref| of its tensor, loss 1e-5.
@Suite struct PyTorchTextEncoderGradientTests {
    @Test func lossOutputsAndEveryGradientMatchPyTorch() throws {
        let weights = try ReferenceFixtures.open("grad_text.weights.safetensors")
        let io = try ReferenceFixtures.open("grad_text.io.safetensors")
        let configJSON = try #require(weights.metadata["config"])
        let config = try JSONDecoder().decode(TextEncoderConfig.self, from: Data(configJSON.utf8))
        let store = ParameterStore()
        let encoder = DemoTextTransformer(config: config, declaringIn: store)
        store.allocateGradients()
        try store.load(from: weights)
        store.zeroGrads()

        let tokenTensor = try io.tensor("tokens")
        let (batch, length) = (tokenTensor.shape[0], tokenTensor.shape[1])
        let tokens = (0..<batch).map { b in (0..<length).map { Int(tokenTensor.scalars[b * length + $0]) } }
        let contextWeight = try io.tensor("context_weight"), pooledWeight = try io.tensor("pooled_weight")

        let tape = encoder.makeTape(tokens: tokens)
        let out = encoder.forward(tokens: tokens, tape: tape)
        let e = config.width
        let context = Tensor(shape: [batch, length, e], scalars: Array(UnsafeBufferPointer(start: out.context.p, count: batch * length * e)))
        let pooled = Tensor(shape: [batch, e], scalars: Array(UnsafeBufferPointer(start: out.pooled.p, count: batch * e)))
        var loss: Double = 0
        for i in 0..<context.scalars.count { loss += Double(context.scalars[i]) * Double(contextWeight.scalars[i]) }
        for i in 0..<pooled.scalars.count { loss += Double(pooled.scalars[i]) * Double(pooledWeight.scalars[i]) }
        contextWeight.scalars.withUnsafeBufferPointer { dc in
            pooledWeight.scalars.withUnsafeBufferPointer { dp in
                encoder.backward(tape: tape, dContext: dc.baseAddress!, dPooled: dp.baseAddress!)
            }
        }

        let reference = try io.tensor("loss").scalars[0]
        print("grad_text: loss \(loss) vs PyTorch \(reference)")
        #expect(abs(Float(loss) - reference) <= 1e-5 * max(1, abs(reference)), "loss \(loss) vs PyTorch \(reference)")
        for (ours, name) in [(context, "context"), (pooled, "pooled")] {
            let theirs = try io.tensor(name)
            let r = compare(ours, theirs, relative: 0)
            print("grad_text: \(name) max|Δ| \(r.maxAbsDiff), max|ref| \(theirs.maxAbs)")
            #expect(r.maxAbsDiff <= 1e-4 * theirs.maxAbs, "\(name): \(r)")
        }
        var failures: [String] = [], worst: (Float, String) = (0, "")
        var checked = 0
        for (id, entry) in store.entries.enumerated() where entry.trainable {
            let ours = Tensor(shape: entry.shape, scalars: Array(UnsafeBufferPointer(start: store.grad(id), count: entry.count)))
            let theirs = try io.tensor("grad." + entry.name)
            let r = compare(ours, theirs, relative: 0)
            let relative = r.maxAbsDiff / max(theirs.maxAbs, 1e-12)
            if relative > worst.0 { worst = (relative, entry.name) }
            print("grad_text: \(entry.name) max|Δ| \(r.maxAbsDiff), max|ref| \(theirs.maxAbs)")
            if r.maxAbsDiff > 1e-4 * max(theirs.maxAbs, 1e-12) {
                failures.append("\(entry.name): max|Δ| \(r.maxAbsDiff), max|ref| \(theirs.maxAbs)")
            }
            checked += 1
        }
        print("grad_text: \(checked) gradients, worst max|Δ|/max|ref| \(worst.0) (\(worst.1))")
        #expect(checked == config.weightShapes.count)
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }
}
