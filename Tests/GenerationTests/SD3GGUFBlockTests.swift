import Foundation
import FlowCore
import MMDiT
@testable import Generation
import Testing
import TestSupport

/// SD3 MM-DiTs from GGUF files with their quantized matrices held as blocks (`.asStored`): the
/// same forward as the model dequantized to float32 at load (what FlowStudio did before), at
/// Q4_0 (the fixture the `gguf` package wrote) and Q8_0 (the same model requantized in the test
/// by FlowStudio's quantizer, which writes the package's bytes: `BlockWeightTests`), and the held
/// bytes the memory estimate predicts.
@Suite struct SD3GGUFBlockTests {
    /// The fixture's MM-DiT as a GGUF whose Q4_0 tensors are requantized to `type` from their values.
    static func requantized(_ type: GGUFBlockType, in dir: SD3TestFolder) throws -> URL {
        let source = try GGUFFile(contentsOf: ReferenceFixtures.url("sd3-tiny.Q4_0.gguf"))
        var writer = GGUFTestWriter()
        writer.metadata = [.string("general.architecture", "sd3")]
        for info in source.header.tensors {
            let data: [UInt8]
            var kind = info.type
            if info.type == .q4_0 {
                data = GGUFQuantize.quantize(type, try source.tensor(info.name).scalars)
                kind = type
            } else {
                data = try source.withStoredBytes(info.name) { [UInt8]($0) }
            }
            writer.tensors.append(.init(name: info.name, dimensions: info.dimensions.map(UInt64.init), type: kind.rawValue, data: data))
        }
        let url = dir.path("sd3-tiny.\(type.name).gguf")
        try writer.write(to: url)
        return url
    }

    /// One MM-DiT forward on seeded inputs.
    static func forward(_ model: MMDiT) throws -> Tensor {
        let c = model.config
        let latents = Noise.gaussian(shape: [2, c.inChannels, 8, 12], seed: 1)
        let context = Noise.gaussian(shape: [2, 7, c.contextDim], seed: 2)
        let pooled = Noise.gaussian(shape: [2, c.pooledDim], seed: 3)
        return try model(latents: latents, context: context, pooled: pooled, timesteps: [900, 250])
    }

    @Test(arguments: [GGUFBlockType.q4_0, .q8_0])
    func blocksHeldGiveTheForwardOfTheDequantizedModel(type: GGUFBlockType) throws {
        let dir = try SD3TestFolder()
        let url = type == .q4_0 ? ReferenceFixtures.url("sd3-tiny.Q4_0.gguf") : try Self.requantized(type, in: dir)
        let file = try GGUFFile(contentsOf: url)
        let weights = diffusersView(of: try SD3ModelFiles.openGGUF(url))
        let held = try MMDiT(weights: weights, matrices: .asStored)
        let dequantized = try MMDiT(weights: weights, matrices: .float32)

        // Every quantized tensor of the file is held as its blocks (the fused q|k|v in thirds).
        let stored = file.header.tensors.filter { $0.type == type }
        #expect(stored.count == 29)
        #expect(held.store.blockByteCount == stored.reduce(0) { $0 + $1.byteCount })
        #expect(held.store.entries.allSatisfy { $0.storage == .float32 || $0.storage == .blocks(type) || $0.storage == .float16 })
        #expect(held.store.heldBytes < dequantized.store.heldBytes / 2)
        // The memory estimate reads the same bytes from the header.
        let located = try SD3ModelFiles.locate(SD3GGUFTests.paths(url))
        guard case .sd3(let files) = located else { Issue.record("not located as SD3"); return }
        #expect(files.transformer.heldBytes == held.store.heldBytes)

        let ours = try Self.forward(held), before = try Self.forward(dequantized)
        let closeness = compare(ours, before, relative: 1e-5)
        #expect(closeness.ok, "\(type): \(closeness)")
        print("SD3 tiny \(type.name) held as blocks (\(held.store.heldBytes) B) vs dequantized at load (\(dequantized.store.heldBytes) B): \(closeness)")
    }
}

/// What a loaded model says of its precision (status line, PNG `Precision`).
@Suite struct PrecisionSummaryLoadingTests {
    @Test func aQ4_0GGUFSaysItsBlocksAndTheBundledModelFloat32() throws {
        let loaded = try ModelLoader.load(SD3GGUFTests.paths(ReferenceFixtures.url("sd3-tiny.Q4_0.gguf")), includeT5: false)
        let summary = loaded.generator.precisionSummary
        #expect(summary.hasSuffix(" weights · f32 math") && summary.contains("Q4_0") && summary.contains("f16"), "\(summary)")
        if let url = DemoPipeline.bundledModelURL {
            #expect(try DemoPipeline(contentsOf: url).precisionSummary == "f32 weights · f32 math")
        }
    }

    /// `--weights`: the bundled model re-held as it loads says so; an SD3 model is not re-held.
    @Test func reheldWeightsSayTheirForm() throws {
        if let url = DemoPipeline.bundledModelURL {
            let paths = SD3ModelPaths(model: url)
            for (form, text) in [(ParameterStorage.blocks(.q8_0), "Q8_0"), (.blocks(.q4_0), "Q4_0"), (.bfloat16, "bf16")] {
                let loaded = try ModelLoader.load(paths, choice: .float32, weights: .rounded(form))
                #expect(loaded.generator.precisionSummary == "\(text) weights · f32 math")
            }
            let float32 = try ModelLoader.load(paths, choice: .float32, weights: .float32)
            #expect(float32.generator.precisionSummary == "f32 weights · f32 math")
        }
        #expect(throws: SD3LoadError.self) {
            try ModelLoader.load(SD3GGUFTests.paths(ReferenceFixtures.url("sd3-tiny.Q4_0.gguf")), choice: .float32,
                                 includeT5: false, weights: .rounded(.blocks(.q8_0)))
        }
    }
}
