import Foundation
import Testing
import FlowCore
import MMDiT
import RectifiedFlow
import TextEncoders
@testable import Training
import TestSupport

/// A tiny demo model: 2 blocks of width 32 (2 heads of 16, qk-norm), patch 4, 16×16 RGB, and a
/// 1-layer text encoder of width 24 over 6 tokens; optionally with MMDiT-X blocks.
func tinyModel(qkNorm: Bool = true, dualAttentionLayers: [Int] = []) throws -> DemoModelTraining {
    let transformer = MMDiTConfig(depth: 2, hiddenSize: 32, heads: 2, patchSize: 4, inChannels: 3, outChannels: 3,
                                  contextDim: 24, pooledDim: 24, posEmbedMaxSize: 4, qkNorm: qkNorm,
                                  dualAttentionLayers: dualAttentionLayers, mlpHiddenSize: 128)
    var text = TextEncoderConfig(vocabularySize: 9, length: 6, width: 24, layers: 1, heads: 2)
    text.mlpWidth = 96
    let model = try DemoModelTraining(transformer: transformer, text: text)
    model.params.randomizeForTesting(seed: 5)
    return model
}

func tinyBatch(_ model: DemoModelTraining, batch: Int = 2, seed: UInt64 = 9) -> DemoModelTraining.Batch {
    let shape = [batch, 3, 16, 16]
    var rng = PhiloxRandom(seed: seed)
    let tokens = (0..<batch).map { _ in [1] + (0..<5).map { _ in Int(rng.nextUInt32() % 9) } }
    return .init(images: Noise.uniform(shape: shape, bound: 1, seed: seed), tokens: tokens,
                 noise: Noise.gaussian(shape: shape, seed: seed + 1), t: (0..<batch).map { _ in 0.1 + 0.8 * rng.nextUniform() })
}

@Suite struct GradientTests {
    /// Training runs the inference models themselves: the forward with a tape gives exactly what the
    /// models loaded from the same tensors (strictly, as a model file is loaded) give without one.
    @Test func tapedForwardEqualsTheInferenceModels() throws {
        let model = try tinyModel()
        let batch = tinyBatch(model)
        let tensors = model.params.namedTensors()
        func subset(_ prefix: String) -> TensorDictionary {
            TensorDictionary(Dictionary(uniqueKeysWithValues: tensors.filter { $0.key.hasPrefix(prefix) }
                .map { (String($0.key.dropFirst(prefix.count)), $0.value) }))
        }
        let inference = try MMDiT(config: model.transformerConfig, weights: subset("transformer."))
        let tokenizer = WordTokenizer(words: (0..<7).map { "w\($0)" }, length: 6)
        let encoder = try DemoTextEncoder(config: model.textConfig, tokenizer: tokenizer,
                                          weights: subset("text_encoder."))
        let (context, pooled) = encoder.encode(tokens: batch.tokens)
        let textTape = model.textEncoder.makeTape(tokens: batch.tokens)
        let text = model.textEncoder.forward(tokens: batch.tokens, tape: textTape)
        #expect(text.context.tensor(context.shape) == context)
        #expect(text.pooled.tensor(pooled.shape) == pooled)
        let zt = FlowMatching.noisy(data: batch.images, noise: batch.noise, t: batch.t)
        let expected = try inference(latents: zt, context: context, pooled: pooled, timesteps: batch.t.map { $0 * 1000 })
        let tape = model.transformer.makeTape(batch: 2, latentHeight: 16, latentWidth: 16, contextTokens: 6,
                                              context: text.context.p, pooled: text.pooled.p)
        let output = model.transformer.forward(latents: zt, timesteps: batch.t.map { $0 * 1000 }, context: text.context.p,
                                               contextTokens: 6, pooled: text.pooled.p, tape: tape)
        let image = unpatchify(output.tensor([2, 16, 48]), patch: 4, gridHeight: 4, gridWidth: 4, channels: 3)
        #expect(image == expected)
        // and the table stored for inference is diffusers' 2-D sin-cos
        #expect(tensors["transformer.pos_embed.pos_embed"]![0, 5, 0] == Float(sin(1.0)))  // col 1, k 0
    }

    /// Every parameter tensor's analytic gradient against central differences of the loss, at a few entries.
    @Test(arguments: [(true, []), (false, []), (true, [0]), (false, [0, 1])] as [(Bool, [Int])])
    func gradientsMatchFiniteDifferences(qkNorm: Bool, dualAttentionLayers: [Int]) throws {
        let model = try tinyModel(qkNorm: qkNorm, dualAttentionLayers: dualAttentionLayers)
        let batch = tinyBatch(model)
        model.params.zeroGrads()
        _ = model.loss(batch, backward: true)
        var failures: [String] = []
        var checked = 0
        var rng = PhiloxRandom(seed: 77)
        for (id, entry) in model.params.entries.enumerated() where entry.trainable {
            for _ in 0..<3 {
                let i = Int(rng.nextUInt32()) % entry.count
                let p = model.params.value(id) + i
                let original = p.pointee
                let h: Float = 1e-2 * max(1, abs(original))
                p.pointee = original + h
                let plus = Double(model.loss(batch, backward: false))
                p.pointee = original - h
                let minus = Double(model.loss(batch, backward: false))
                p.pointee = original
                let numeric = (plus - minus) / Double(2 * h)
                let analytic = Double(model.params.grad(id)[i])
                checked += 1
                if abs(numeric - analytic) > 2e-2 * max(abs(numeric), abs(analytic)) + 2e-4 {
                    failures.append("\(entry.name)[\(i)]: analytic \(analytic), numeric \(numeric)")
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(checked) entries differ:\n\(failures.prefix(20).joined(separator: "\n"))")
    }
}
