import Foundation
import Testing
import TestSupport
import FlowCore
import MMDiT
import TextEncoders
@testable import Generation

/// SD3 MM-DiT weights stored in BF16 / F16 stay in 16 bits when loaded for inference: in both
/// key layouts (diffusers, and Stability's fused q/k/v and swapped AdaLN halves), with the held
/// bytes the memory estimate predicts, and a forward equal to the float32-held model's.
@Suite struct HalfWeightLoadingTests {
    @Test(arguments: [(false, SafeTensorsDType.bf16), (true, .bf16), (true, .f16)])
    func theMMDiTKeepsItsFileDType(stability: Bool, dtype: SafeTensorsDType) throws {
        let folder = try SD3TestFolder()
        let shapes = stability ? SD3TestKeys.stabilityMMDiT(.sd35Medium, prefix: "") : try SD3TestKeys.diffusersMMDiT(.sd35Medium)
        var tensors: [String: Tensor] = [:]
        for (i, name) in shapes.keys.sorted().enumerated() {
            tensors[name] = Noise.uniform(shape: shapes[name]!, bound: 0.2, seed: 7, stream: UInt64(i))
        }
        let url = folder.path("mmdit.safetensors")
        try SafeTensors.write(tensors, dtype: dtype, to: url)
        let weights = diffusersView(of: try SafeTensorsFile(contentsOf: url))
        let config = SD3TestKeys.config(.sd35Medium)
        let half = try MMDiT(config: config, weights: weights, matrices: .asStored)
        let full = try MMDiT(config: config, weights: weights)

        let kind: ParameterStorage = dtype == .bf16 ? .bfloat16 : .float16
        let storage = Dictionary(uniqueKeysWithValues: half.store.entries.map { ($0.name, $0.storage) })
        #expect(storage["transformer_blocks.0.attn.to_k.weight"] == kind)
        #expect(storage["transformer_blocks.23.norm1_context.linear.weight"] == kind)  // swapped halves in Stability's layout
        #expect(storage["pos_embed.proj.weight"] == kind)
        #expect(storage["pos_embed.pos_embed"] == .float32)
        #expect(storage["transformer_blocks.0.attn.norm_q.weight"] == .float32)
        #expect(storage["transformer_blocks.0.attn.to_k.bias"] == .float32)
        let component = SD3ComponentWeights(component: .transformer, weights: weights, layout: .diffusers, source: url.path)
        #expect(component.hasHalfMatrices)
        #expect(component.heldBytes == half.heldWeightBytes, "the estimate counts what the model holds")
        #expect(half.heldWeightBytes < full.heldWeightBytes * 11 / 20)
        for entry in half.store.entries where entry.storage.isHalf {
            #expect(half.store.tensor(half.store.id(entry.name)!).scalars == full.store.tensor(full.store.id(entry.name)!).scalars,
                    "\(entry.name): the file's values, bit for bit")
        }

        let latents = Noise.gaussian(shape: [2, 16, 8, 8], seed: 1)
        let context = Noise.gaussian(shape: [2, 5, config.contextDim], seed: 2)
        let pooled = Noise.gaussian(shape: [2, config.pooledDim], seed: 3)
        let a = try half(latents: latents, context: context, pooled: pooled, timesteps: [500, 20])
        let b = try full(latents: latents, context: context, pooled: pooled, timesteps: [500, 20])
        let closeness = compare(a, b, relative: 1e-5)
        #expect(closeness.ok, "\(closeness)")
    }

    /// The text encoders of a diffusers folder (CLIP in BF16 / F16, T5 in BF16, sharded) keep
    /// their linear weights in 16 bits and their tables in float32, holding what the estimate says.
    @Test func theEncodersKeepTheirFileDType() throws {
        let folder = try SD3TestFolder()
        try SD3ModelFilesTests.makeDiffusersFolder(folder)
        guard case .sd3(let files) = try SD3ModelFiles.locate(SD3ModelPaths(model: folder.url)), let t5Weights = files.t5 else {
            Issue.record("not an SD3 folder with T5"); return
        }
        // The test CLIP is too narrow for its head count to be detected: its config is given.
        let clipConfig = CLIPTextConfig(vocabSize: 10, hiddenSize: 8, intermediateSize: 16, numAttentionHeads: 1, numHiddenLayers: 1,
                                        maxPositionEmbeddings: 4, hiddenAct: "gelu", projectionDim: 8)
        let clipG = try CLIPTextModel(config: clipConfig, weights: files.clipG.weights,
                                      matrices: SD3ComponentWeights.matrixStorage(files.clipG.component))
        let t5 = try SD3TextStack.t5(t5Weights, precision: .float32)
        for (store, component, matrix, table) in [
            (clipG.store, files.clipG, "text_model.encoder.layers.0.mlp.fc1.weight", "text_model.embeddings.token_embedding.weight"),
            (t5.store, t5Weights, "encoder.block.0.layer.1.DenseReluDense.wo.weight", "shared.weight"),
        ] {
            #expect(store.halfCount > 0)
            #expect(store.entries[store.id(matrix)!].storage.isHalf, "\(matrix)")
            #expect(store.entries[store.id(table)!].storage == .float32, "\(table)")
            #expect(store.heldBytes == component.heldBytes, "\(component.component): the estimate counts what the model holds")
        }
    }
}
