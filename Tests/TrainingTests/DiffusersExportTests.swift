import DemoModelFormat
import Foundation
import Testing
import FlowCore
import Generation
import MMDiT
@testable import Training

/// The diffusers round trip: export a tiny trained model as an SD3Transformer2DModel folder,
/// read it back, and start a run from it. (PyTorch loading the folder: Tests/Reference/check_export.py.)
@Suite struct DiffusersExportTests {
    /// A tiny model trained for 2 steps, with EMA off and a large step so that the zero-initialised
    /// AdaLN and output layers have moved: returns the run directory (model.safetensors inside).
    static func trainedTinyModel() throws -> URL {
        let dir = temporaryDirectory()
        var o = tinyOptions()
        o.steps = 2
        o.emaDecay = 0
        o.learningRate = 1e-2
        try Trainer(options: o, directory: dir, resume: false).run(shouldStop: { false }) { _ in }
        return dir
    }

    static let folderFiles: Set<String> = [DiffusersFolder.configFileName, DiffusersFolder.weightsFileName,
                                           DiffusersFolder.textEncoderFileName, DiffusersFolder.descriptionFileName]

    @Test func theExportedFolderLoadsWithItsConfigDetectedAndGivesTheSameOutputs() throws {
        let run = try Self.trainedTinyModel(), folder = temporaryDirectory().appendingPathComponent("sd3")
        defer { try? FileManager.default.removeItem(at: run); try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let modelURL = run.appendingPathComponent("model.safetensors")
        let summary = try DiffusersFolder.export(model: modelURL, to: folder, force: false)
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)) == Self.folderFiles)

        let original = try SafeTensorsFile(contentsOf: modelURL)
        let description = try #require(try DemoModelDescription.read(from: original))
        let exported = try SafeTensorsFile(contentsOf: folder.appendingPathComponent(DiffusersFolder.weightsFileName))
        #expect(exported.names.allSatisfy { exported.dtype(of: $0) == .f32 })
        #expect(exported.metadata["format"] == "pt")
        let reloaded = try MMDiT(weights: exported)  // config detected from names and shapes
        #expect(reloaded.config == description.transformer)
        #expect(summary.transformerParameters == reloaded.parameterCount)

        // config.json: diffusers' keys, and it describes the same model.
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("config.json"))) as! [String: Any]
        #expect(json["_class_name"] as? String == "SD3Transformer2DModel")
        #expect(json["sample_size"] as? Int == 16 && json["patch_size"] as? Int == 4 && json["num_layers"] as? Int == 1)
        #expect(json["attention_head_dim"] as? Int == 64 && json["num_attention_heads"] as? Int == 1)
        #expect(json["caption_projection_dim"] as? Int == 64 && json["pos_embed_max_size"] as? Int == 4)
        #expect(json["qk_norm"] is NSNull && (json["dual_attention_layers"] as? [Int]) == [])
        let config = try JSONDecoder().decode(DiffusersTransformerConfig.self,
                                              from: Data(contentsOf: folder.appendingPathComponent("config.json")))
        #expect(try config.mmditConfig() == description.transformer)

        let network = try MMDiT(config: description.transformer, weights: PrefixedTensors(original, prefix: "transformer."))
        let latents = Noise.gaussian(shape: [2, 3, 16, 16], seed: 1)        // [B, C, H, W]
        let context = Noise.gaussian(shape: [2, 24, 64], seed: 2)           // [B, L, Dctx]
        let pooled = Noise.gaussian(shape: [2, 64], seed: 3)                // [B, Dpool]
        let a = try network(latents: latents, context: context, pooled: pooled, timesteps: [250, 900])
        let b = try reloaded(latents: latents, context: context, pooled: pooled, timesteps: [250, 900])
        #expect(a.maxAbs > 1e-4, "the trained model's output is trivially zero")
        #expect(a == b)

        // The text encoder and the description come along unchanged.
        let text = try SafeTensorsFile(contentsOf: folder.appendingPathComponent(DiffusersFolder.textEncoderFileName))
        #expect(Set(text.names) == Set(original.names.filter { $0.hasPrefix("text_encoder.") }))
        for name in text.names { #expect(try text.tensor(name) == original.tensor(name), "\(name)") }
        let storedDescription = try JSONDecoder().decode(DemoModelDescription.self,
                                                         from: Data(contentsOf: folder.appendingPathComponent(DiffusersFolder.descriptionFileName)))
        #expect(storedDescription == description)
    }

    @Test func initFromTheFolderStartsWithIdenticalWeightsAndTakesTheShapeFromIt() throws {
        let run = try Self.trainedTinyModel(), scratch = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: run); try? FileManager.default.removeItem(at: scratch) }
        let modelURL = run.appendingPathComponent("model.safetensors")
        let folder = scratch.appendingPathComponent("sd3")
        try DiffusersFolder.export(model: modelURL, to: folder, force: false)
        let original = try SafeTensorsFile(contentsOf: modelURL)

        // Both a folder and the demo-model file itself work as --init.
        for (index, source) in [folder, modelURL].enumerated() {
            let initial = try InitialModel(contentsOf: source)
            #expect(initial.hasTextEncoder && initial.warnings.isEmpty)
            var base = tinyOptions()  // shape options at the CLI's defaults, not given: taken from the model
            base.depth = 4; base.resolution = 64; base.patchSize = 8; base.textLayers = 2
            let options = try initial.trainingOptions(from: base, given: [])
            let tiny = tinyOptions()
            #expect(options.depth == tiny.depth && options.resolution == tiny.resolution && options.patchSize == tiny.patchSize)
            #expect(options.textLayers == tiny.textLayers && options.textLength == tiny.textLength)
            let trainer = try Trainer(options: options, directory: scratch.appendingPathComponent("run\(index)"), initialModel: initial)
            #expect(trainer.step == 0)
            let params = trainer.model.params.namedTensors(), ema = trainer.ema.namedTensors(trainer.model.params)
            #expect(Set(params.keys) == Set(original.names))
            for name in original.names {
                #expect(params[name] == (try original.tensor(name)), "\(name) differs after --init \(source.lastPathComponent)")
                #expect(ema[name] == params[name], "EMA of \(name) does not start at the initial weights")
            }
        }
    }

    @Test func withoutTheFlowStudioFilesTheTextEncoderStartsFreshWithAWarning() throws {
        let run = try Self.trainedTinyModel(), scratch = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: run); try? FileManager.default.removeItem(at: scratch) }
        let folder = scratch.appendingPathComponent("sd3")
        try DiffusersFolder.export(model: run.appendingPathComponent("model.safetensors"), to: folder, force: false)
        for name in [DiffusersFolder.textEncoderFileName, DiffusersFolder.descriptionFileName] {
            try FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
        let initial = try InitialModel(contentsOf: folder)
        #expect(!initial.hasTextEncoder && initial.warnings.count == 1)
        let options = try initial.trainingOptions(from: tinyOptions(), given: [])
        let trainer = try Trainer(options: options, directory: scratch.appendingPathComponent("run"), initialModel: initial)
        let fresh = try Trainer(options: options, directory: scratch.appendingPathComponent("fresh"), resume: false)
        let weights = try SafeTensorsFile(contentsOf: folder.appendingPathComponent(DiffusersFolder.weightsFileName))
        let params = trainer.model.params.namedTensors(), freshParams = fresh.model.params.namedTensors()
        for (name, tensor) in params {
            if name.hasPrefix("transformer.") {
                #expect(tensor == (try weights.tensor(String(name.dropFirst("transformer.".count)))), "\(name)")
            } else {
                #expect(tensor == freshParams[name], "\(name) is not the fresh initialisation")
            }
        }
    }

    /// Rewrites the folder's weights file through `edit`.
    static func editWeights(in folder: URL, _ edit: (inout [String: Tensor]) -> Void) throws {
        let url = folder.appendingPathComponent(DiffusersFolder.weightsFileName)
        var tensors = try SafeTensorsFile(contentsOf: url).allTensors()
        edit(&tensors)
        try SafeTensors.write(tensors, to: url)
    }

    @Test func strictLoadingNamesTheMissingUnknownOrMisShapedKeyAndLeavesNothingBehind() throws {
        let run = try Self.trainedTinyModel(), scratch = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: run); try? FileManager.default.removeItem(at: scratch) }
        let model = run.appendingPathComponent("model.safetensors")
        func attempt(_ name: String, _ edit: (inout [String: Tensor]) -> Void) throws -> DiffusersFolderError? {
            let folder = scratch.appendingPathComponent(name)
            try DiffusersFolder.export(model: model, to: folder, force: false)
            try Self.editWeights(in: folder, edit)
            let out = scratch.appendingPathComponent(name + "-run")
            defer { #expect(!FileManager.default.fileExists(atPath: out.path), "a failed --init left \(out.path) behind") }
            do {
                let initial = try InitialModel(contentsOf: folder)
                _ = try Trainer(options: initial.trainingOptions(from: tinyOptions(), given: []), directory: out, initialModel: initial)
            } catch let error as DiffusersFolderError {
                return error
            }
            return nil
        }
        let missing = try attempt("missing") { $0["transformer_blocks.0.attn.to_q.bias"] = nil }
        guard case let .missingKey(key, _, shape)? = missing else { Issue.record("expected a missing key, got \(String(describing: missing))"); return }
        #expect(key == "transformer_blocks.0.attn.to_q.bias" && shape == [64])
        #expect(missing!.description.contains("transformer_blocks.0.attn.to_q.bias"))

        let misShaped = try attempt("shape") { $0["proj_out.bias"] = Tensor(zeros: [47]) }
        guard case let .shapeMismatch(key, _, expected, found)? = misShaped else { Issue.record("expected a shape mismatch, got \(String(describing: misShaped))"); return }
        #expect(key == "proj_out.bias" && expected == [48] && found == [47])

        let unknown = try attempt("unknown") { $0["transformer_blocks.1.attn.to_q.weight"] = Tensor(zeros: [64, 64]) }
        guard case let .unexpectedKeys(keys, _)? = unknown else { Issue.record("expected an unknown key, got \(String(describing: unknown))"); return }
        #expect(keys == ["transformer_blocks.1.attn.to_q.weight"])
    }

    @Test func aModelOfAnotherShapeConflictsWithGivenOptionsAndIsRefusedWhenNotTrainable() throws {
        let run = try Self.trainedTinyModel(), scratch = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: run); try? FileManager.default.removeItem(at: scratch) }
        let folder = scratch.appendingPathComponent("sd3")
        try DiffusersFolder.export(model: run.appendingPathComponent("model.safetensors"), to: folder, force: false)
        let initial = try InitialModel(contentsOf: folder)

        // The user asked for depth 4; the folder holds depth 1.
        var o = tinyOptions()
        o.depth = 4
        #expect(throws: DiffusersFolderError.optionConflict(option: "depth", given: "4", model: "num_layers 1",
                                                           source: folder.appendingPathComponent("config.json").path)) {
            try initial.trainingOptions(from: o, given: [.depth])
        }
        // Given options that agree are fine; a given patch size that differs is not.
        #expect(try initial.trainingOptions(from: tinyOptions(), given: Set(ModelShapeOption.allCases)) == tinyOptions())
        o = tinyOptions()
        o.patchSize = 2
        #expect(throws: DiffusersFolderError.self) { try initial.trainingOptions(from: o, given: [.patch]) }

        // A config.json with 2 heads of 32 (trained in PyTorch with another head width) is not a FlowStudio run's shape.
        let configURL = folder.appendingPathComponent("config.json")
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as! [String: Any]
        json["num_attention_heads"] = 2
        json["attention_head_dim"] = 32
        try JSONSerialization.data(withJSONObject: json).write(to: configURL)
        let reshaped = try InitialModel(contentsOf: folder)
        do {
            _ = try reshaped.trainingOptions(from: tinyOptions(), given: [])
            Issue.record("a 2-head model was accepted")
        } catch let error as DiffusersFolderError {
            #expect(error.description.contains("num_attention_heads: model 2, run 1"), "\(error)")
        }
    }

    @Test func exportRefusesANonEmptyDirectoryUnlessForcedAndThenRemovesShadowingWeights() throws {
        let run = try Self.trainedTinyModel(), scratch = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: run); try? FileManager.default.removeItem(at: scratch) }
        let model = run.appendingPathComponent("model.safetensors")
        let folder = scratch.appendingPathComponent("sd3")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let index = folder.appendingPathComponent("diffusion_pytorch_model.safetensors.index.json")
        let notes = folder.appendingPathComponent("notes.txt")
        try Data("{}".utf8).write(to: index)
        try Data("mine".utf8).write(to: notes)
        #expect(throws: DiffusersFolderError.directoryNotEmpty(folder.path)) {
            try DiffusersFolder.export(model: model, to: folder, force: false)
        }
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)) == ["notes.txt", index.lastPathComponent])
        try DiffusersFolder.export(model: model, to: folder, force: true)
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)) == Self.folderFiles.union(["notes.txt"]))
        #expect(try Data(contentsOf: notes) == Data("mine".utf8))

        // A file where the folder should be, and a file that is not a demo model.
        #expect(throws: DiffusersFolderError.notADirectory(notes.path)) { try DiffusersFolder.export(model: model, to: notes, force: true) }
        let plain = scratch.appendingPathComponent("plain.safetensors")
        try SafeTensors.write(["proj_out.bias": Tensor(zeros: [3])], to: plain)
        #expect(throws: DiffusersFolderError.notADemoModel(plain.path)) {
            try DiffusersFolder.export(model: plain, to: scratch.appendingPathComponent("other"), force: false)
        }
    }
}
