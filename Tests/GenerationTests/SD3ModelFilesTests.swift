import Foundation
import Testing
import FlowCore
import MMDiT
import TestSupport
@testable import Generation
import DemoModelFormat
import TextEncoders

/// Finding SD3-family files in every layout users have, the keys handed out, and each error.
@Suite struct SD3ModelFilesTests {
    static let modelIndex = """
        {"_class_name": "StableDiffusion3Pipeline", "_diffusers_version": "0.29.0.dev0",
         "scheduler": ["diffusers", "FlowMatchEulerDiscreteScheduler"],
         "text_encoder": ["transformers", "CLIPTextModelWithProjection"], "text_encoder_2": ["transformers", "CLIPTextModelWithProjection"],
         "text_encoder_3": ["transformers", "T5EncoderModel"], "tokenizer": ["transformers", "CLIPTokenizer"],
         "tokenizer_2": ["transformers", "CLIPTokenizer"], "tokenizer_3": ["transformers", "T5TokenizerFast"],
         "transformer": ["diffusers", "SD3Transformer2DModel"], "vae": ["diffusers", "AutoencoderKL"]}
        """

    /// A diffusers StableDiffusion3Pipeline folder of the given structure: CLIP-L saved flattened
    /// (transformers ≥ 5.6) without a projection, CLIP-G as an `.fp16` variant, T5 sharded in two.
    static func makeDiffusersFolder(_ folder: SD3TestFolder, structure: SD3TestKeys.Structure = .sd3Medium,
                                    index: String = modelIndex, shift: String = "3.0") throws {
        try folder.write(index, to: "model_index.json")
        try folder.write("{\"_class_name\": \"SD3Transformer2DModel\", \"num_layers\": 24}", to: "transformer/config.json")
        try folder.writeTensors(try SD3TestKeys.diffusersMMDiT(structure), to: "transformer/diffusion_pytorch_model.safetensors")
        try folder.write("{\"architectures\": [\"CLIPTextModelWithProjection\"], \"hidden_size\": 8}", to: "text_encoder/config.json")
        try folder.writeTensors(SD3TestKeys.clip(flattened: true, projection: false), to: "text_encoder/model.safetensors")
        try folder.writeTensors(SD3TestKeys.clip(), to: "text_encoder_2/model.fp16.safetensors", dtype: .f16)
        let t5 = SD3TestKeys.t5()
        let first = t5.filter { $0.key.hasPrefix("encoder.block") }, second = t5.filter { !$0.key.hasPrefix("encoder.block") }
        try folder.writeTensors(first, to: "text_encoder_3/model-00001-of-00002.safetensors")
        try folder.writeTensors(second, to: "text_encoder_3/model-00002-of-00002.safetensors")
        let map = (first.keys.map { "\"\($0)\": \"model-00001-of-00002.safetensors\"" } + second.keys.map { "\"\($0)\": \"model-00002-of-00002.safetensors\"" })
        try folder.write("{\"metadata\": {\"total_size\": 1}, \"weight_map\": {\(map.joined(separator: ", "))}}",
                         to: "text_encoder_3/model.safetensors.index.json")
        try folder.writeTensors(SD3TestKeys.vae(ldm: false), to: "vae/diffusion_pytorch_model.safetensors")
        try folder.write("{\"_class_name\": \"AutoencoderKL\", \"latent_channels\": 16}", to: "vae/config.json")
        try folder.write("{\"_class_name\": \"FlowMatchEulerDiscreteScheduler\", \"num_train_timesteps\": 1000, \"shift\": \(shift)}",
                         to: "scheduler/scheduler_config.json")
        for sub in ["tokenizer", "tokenizer_2"] { try folder.write("{}", to: "\(sub)/vocab.json") }
        try folder.write("", to: "tokenizer_3/spiece.model")
    }

    static func sd3(_ paths: SD3ModelPaths) throws -> SD3ModelFiles {
        guard case .sd3(let files) = try SD3ModelFiles.locate(paths) else { throw SD3ModelFilesError.notSD3(path: "demo", sample: []) }
        return files
    }

    static func error(_ paths: SD3ModelPaths) -> SD3ModelFilesError? {
        do { _ = try SD3ModelFiles.locate(paths); return nil } catch { return error as? SD3ModelFilesError }
    }

    // MARK: diffusers folders

    @Test func diffusersFolderWithShardedT5() throws {
        let folder = try SD3TestFolder()
        try Self.makeDiffusersFolder(folder)
        let files = try Self.sd3(SD3ModelPaths(model: folder.url))
        #expect(files.layout == .diffusersFolder)
        #expect(files.family == .sd3Medium)
        #expect(files.transformerConfig.depth == 24 && !files.transformerConfig.qkNorm)
        #expect(SD3TestKeys.shapes(of: files.transformer.weights) == (try SD3TestKeys.diffusersMMDiT(.sd3Medium)))
        #expect(files.transformer.layout == .diffusers)
        #expect(files.transformer.configURL == folder.path("transformer/config.json"))
        #expect(files.transformer.config.map { String(decoding: $0, as: UTF8.self) }?.contains("SD3Transformer2DModel") == true)

        // CLIP-L: flattened names get their text_model. back, and an identity projection (as diffusers gives).
        #expect(SD3TestKeys.shapes(of: files.clipL.weights) == SD3TestKeys.canonicalCLIP())
        #expect(try files.clipL.weights.loadTensor("text_projection.weight").scalars
                == [Float]((0..<64).map { $0 % 9 == 0 ? 1 : 0 }))
        #expect(files.clipL.layout == .transformers && files.clipL.source.hasSuffix("text_encoder/model.safetensors"))
        #expect(SD3TestKeys.shapes(of: files.clipG.weights) == SD3TestKeys.canonicalCLIP())
        #expect(files.clipG.source.hasSuffix("text_encoder_2/model.fp16.safetensors"))

        let t5 = try #require(files.t5)
        #expect(t5.weights is SD3RenamedTensors)
        #expect(SD3TestKeys.shapes(of: t5.weights) == SD3TestKeys.canonicalT5())
        #expect(t5.source.hasSuffix("text_encoder_3/model.safetensors.index.json"))
        // A value read through the index, the shard and the renaming.
        let shard = try SafeTensorsFile(contentsOf: folder.path("text_encoder_3/model-00002-of-00002.safetensors"))
        #expect(try t5.weights.loadTensor("shared.weight") == shard.tensor("shared.weight"))

        let vae = try #require(files.vae)
        #expect(vae.layout == .diffusers && SD3TestKeys.shapes(of: vae.weights) == SD3TestKeys.vae(ldm: false))
        #expect(files.tokenizers == SD3Tokenizers(clipL: .directory(folder.path("tokenizer")), clipG: .directory(folder.path("tokenizer_2")),
                                                  t5: .sentencePiece(folder.path("tokenizer_3/spiece.model"))))
        #expect(files.schedulerShift == 3.0)
        #expect(files.defaults == SD3FamilyDefaults(steps: 28, guidance: 7.0, shift: 3.0))
        #expect(files.notes.isEmpty && files.warnings.isEmpty && !files.vaeMissing)
        #expect(files.components.map(\.component) == [.clipL, .clipG, .t5, .transformer, .vae])
    }

    @Test func diffusersFolderWithoutT5OrVAE() throws {
        let folder = try SD3TestFolder()
        let index = Self.modelIndex.replacingOccurrences(of: "\"text_encoder_3\": [\"transformers\", \"T5EncoderModel\"]",
                                                         with: "\"text_encoder_3\": [null, null]")
        try Self.makeDiffusersFolder(folder, structure: .sd35Medium, index: index, shift: "5.0")
        try FileManager.default.removeItem(at: folder.path("vae"))
        try FileManager.default.removeItem(at: folder.path("tokenizer_3"))
        let files = try Self.sd3(SD3ModelPaths(model: folder.url))
        #expect(files.family == .sd35Medium)
        #expect(files.t5 == nil && files.tokenizers.t5 == nil)
        #expect(files.vae == nil && files.vaeMissing)
        #expect(files.notes == ["T5-XXL: the model has no text_encoder_3; its 256 prompt tokens are zeros, as diffusers does without it (prompts are followed less closely). Pass --t5xxl FILE (t5xxl_fp16.safetensors or t5xxl_fp8_e4m3fn.safetensors) to use it."])
        #expect(files.warnings == ["No VAE (looked in \(folder.url.path) and --vae): images are only previews from the latent→RGB linear map. Pass --vae FILE for full images."])
        // The scheduler config's shift replaces the family's.
        #expect(files.defaults.shift == 5.0 && files.defaults.steps == 40 && files.defaults.guidance == 4.5)
        #expect(files.defaults.skipLayerGuidance == .init(layers: [7, 8, 9], scale: 2.8, start: 0.01, stop: 0.2))
        #expect(files.defaults.skipLayerGuidance?.layers == [7, 8, 9])
    }

    @Test func diffusersFolderErrors() throws {
        let folder = try SD3TestFolder()
        try Self.makeDiffusersFolder(folder)
        let paths = SD3ModelPaths(model: folder.url)

        // A CLIP folder holding only .bin weights.
        try FileManager.default.removeItem(at: folder.path("text_encoder/model.safetensors"))
        try folder.write("x", to: "text_encoder/pytorch_model.bin")
        #expect(Self.error(paths)?.description == "\(folder.path("text_encoder").path): the CLIP-L folder holds no weights FlowStudio reads (model.safetensors, diffusion_pytorch_model.safetensors, their .fp16 variants or a *.safetensors.index.json); it holds config.json, pytorch_model.bin. PyTorch .bin weights are not read: save with safe_serialization=True.")

        // No CLIP-L at all.
        try FileManager.default.removeItem(at: folder.path("text_encoder"))
        #expect(Self.error(paths)?.description == "No CLIP-L weights (looked in \(folder.url.path), --clip-l). Text-to-image needs the CLIP-L text encoder: pass --clip-l FILE (e.g. clip_l.safetensors).")
        // … which an explicit file supplies.
        let clip = try folder.writeTensors(SD3TestKeys.clip(), to: "clip_l.safetensors")
        #expect(try Self.sd3(SD3ModelPaths(model: folder.url, clipL: clip)).clipL.source == clip.path)

        // A config.json that does not parse names the file.
        try folder.write("{\"_class_name\": ", to: "vae/config.json")
        #expect(Self.error(SD3ModelPaths(model: folder.url, clipL: clip))?.description
                == "\(folder.path("vae/config.json").path): not a JSON object (a config.json file); the file is damaged, download it again.")
        try folder.write("{}", to: "vae/config.json")

        // A shard outside its folder.
        let indexURL = folder.path("text_encoder_3/model.safetensors.index.json")
        try folder.write("{\"weight_map\": {\"shared.weight\": \"../vae/diffusion_pytorch_model.safetensors\"}}", to: "text_encoder_3/model.safetensors.index.json")
        let outside = Self.error(SD3ModelPaths(model: folder.url, clipL: clip))
        #expect(outside == .unreadable(path: indexURL.path, reason: "sharded checkpoint \(indexURL.path): tensor \"shared.weight\" is mapped to \"../vae/diffusion_pytorch_model.safetensors\", which is not a file name in the index's folder; shards must sit beside the index (no folders, no \"..\", no absolute paths)."))

        // Another pipeline class.
        try folder.write("{\"_class_name\": \"StableDiffusionXLPipeline\"}", to: "model_index.json")
        #expect(Self.error(paths)?.description == "\(folder.url.path) is a diffusers StableDiffusionXLPipeline folder, which FlowStudio does not run; it runs StableDiffusion3Pipeline folders (SD3-medium, SD3.5-medium, SD3.5-large, SD3.5-large-turbo) and their transformer/ (SD3Transformer2DModel) folders.")
        try folder.write("[1]", to: "model_index.json")
        #expect(Self.error(paths)?.description == "\(folder.path("model_index.json").path): not a JSON object (a diffusers model_index.json file); the file is damaged, download it again.")
    }

    @Test func schedulerShiftMustBeANumber() throws {
        let folder = try SD3TestFolder()
        try Self.makeDiffusersFolder(folder, shift: "\"three\"")
        #expect(Self.error(SD3ModelPaths(model: folder.url))?.description
                == "\(folder.path("scheduler/scheduler_config.json").path): \"shift\" is three, not a positive number.")
    }

    @Test func transformerOnlyFolder() throws {
        let folder = try SD3TestFolder()
        try Self.makeDiffusersFolder(folder, structure: .sd35Large)
        let clipL = try folder.writeTensors(SD3TestKeys.clip(), to: "clip_l.safetensors")
        let clipG = try folder.writeTensors(SD3TestKeys.clip(), to: "clip_g.safetensors")
        let files = try Self.sd3(SD3ModelPaths(model: folder.path("transformer"), clipL: clipL, clipG: clipG))
        #expect(files.layout == .transformerOnly && files.family == .sd35Large)
        #expect(files.tokenizers.clipL == .bundled(padToken: "<|endoftext|>") && files.tokenizers.clipG == .bundled(padToken: "!"))
        #expect(files.defaults == SD3FamilyDefaults(steps: 28, guidance: 3.5, shift: 3.0))
        // A diffusers folder of another model class.
        try folder.write("{\"_class_name\": \"UNet2DConditionModel\"}", to: "transformer/config.json")
        #expect(Self.error(SD3ModelPaths(model: folder.path("transformer")))?.description.hasPrefix(
            "\(folder.path("transformer").path) is a diffusers UNet2DConditionModel folder, which FlowStudio does not run") == true)
    }

    // MARK: Stability single files

    /// `sd3.5_large.safetensors` with everything inside, as the all-in-one files hold it.
    static func makeSingleFile(_ folder: SD3TestFolder, name: String, structure: SD3TestKeys.Structure = .sd35Large,
                               encoders: Bool, vae: Bool = true) throws -> URL {
        var keys = SD3TestKeys.stabilityMMDiT(structure)
        if vae { keys.merge(SD3TestKeys.vae(ldm: true, prefix: "first_stage_model."), uniquingKeysWith: { a, _ in a }) }
        if encoders {
            keys.merge(SD3TestKeys.clip(prefix: "text_encoders.clip_l.transformer.", projection: false, extras: true), uniquingKeysWith: { a, _ in a })
            keys.merge(SD3TestKeys.clip(prefix: "text_encoders.clip_g.transformer."), uniquingKeysWith: { a, _ in a })
            keys.merge(SD3TestKeys.t5(prefix: "text_encoders.t5xxl.transformer."), uniquingKeysWith: { a, _ in a })
        }
        return try folder.writeTensors(keys, to: name)
    }

    @Test func singleFileWithEncoders() throws {
        let folder = try SD3TestFolder()
        let url = try Self.makeSingleFile(folder, name: "sd3.5_large.safetensors", encoders: true)
        // T5 inside but no T5 tokenizer: the error says to pass --tokenizers.
        #expect(Self.error(SD3ModelPaths(model: url))?.description == "The T5-XXL weights (\(url.path) [text_encoders.t5xxl.transformer.*]) need the T5 tokenizer, which FlowStudio does not bundle (looked in --tokenizers (not given)). Pass --tokenizers DIR: a folder with tokenizer_3/ holding spiece.model or tokenizer.json (as in a diffusers SD3 download), or leave out --t5xxl to run without T5.")
        try folder.write("{}", to: "tok/tokenizer_3/tokenizer.json")
        try folder.write("{}", to: "tok/tokenizer_2/vocab.json")
        let files = try Self.sd3(SD3ModelPaths(model: url, tokenizers: folder.path("tok")))
        #expect(files.layout == .singleFile && files.family == .sd35Large)
        // The MM-DiT through diffusersView: exactly the keys and shapes the model declares.
        #expect(SD3TestKeys.shapes(of: files.transformer.weights) == (try SD3TestKeys.diffusersMMDiT(.sd35Large)))
        #expect(files.transformer.source == "\(url.path) [model.diffusion_model.*]")
        let vae = try #require(files.vae)
        #expect(vae.layout == .ldm && SD3TestKeys.shapes(of: vae.weights) == SD3TestKeys.vae(ldm: true))
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(try vae.weights.loadTensor("decoder.conv_in.weight") == file.tensor("first_stage_model.decoder.conv_in.weight"))
        // Encoders in transformers layout; position_ids and logit_scale dropped; CLIP-L gets its identity projection.
        #expect(SD3TestKeys.shapes(of: files.clipL.weights) == SD3TestKeys.canonicalCLIP())
        #expect(SD3TestKeys.shapes(of: files.clipG.weights) == SD3TestKeys.canonicalCLIP())
        #expect(try files.clipG.weights.loadTensor("text_projection.weight") == file.tensor("text_encoders.clip_g.transformer.text_projection.weight"))
        #expect(SD3TestKeys.shapes(of: try #require(files.t5).weights) == SD3TestKeys.canonicalT5())
        #expect(files.tokenizers == SD3Tokenizers(clipL: .bundled(padToken: "<|endoftext|>"), clipG: .directory(folder.path("tok/tokenizer_2")),
                                                  t5: .tokenizerJSON(folder.path("tok/tokenizer_3/tokenizer.json"))))
        #expect(files.schedulerShift == nil && files.defaults == SD3Family.sd35Large.defaults)
    }

    @Test func tokenizersOpenFromTheLocationsHandedOut() throws {
        let folder = try SD3TestFolder()
        let url = try Self.makeSingleFile(folder, name: "sd3.5_large.safetensors", encoders: true)
        let fm = FileManager.default
        try fm.createDirectory(at: folder.path("tok/tokenizer_3"), withIntermediateDirectories: true)
        try fm.copyItem(at: ReferenceFixtures.url("tokenizers/clip-small"), to: folder.path("tok/tokenizer_2"))
        try fm.copyItem(at: ReferenceFixtures.url("tokenizers/t5_spiece.model"), to: folder.path("tok/tokenizer_3/spiece.model"))
        let files = try Self.sd3(SD3ModelPaths(model: url, tokenizers: folder.path("tok")))
        // CLIP-L: the bundled vocabulary padded with <|endoftext|> (49407); CLIP-G: the folder,
        // whose tokenizer_config.json pads with "!" (id 0); T5: SentencePiece, pad 0.
        #expect(try files.tokenizers.clipL.load().padID == 49407)
        #expect(try SD3CLIPTokenizerSource.bundled(padToken: SD3Tokenizers.clipGPadToken).load().padID == 0)
        #expect(files.tokenizers.clipG == .directory(folder.path("tok/tokenizer_2")))
        #expect(try files.tokenizers.clipG.load().padID == 0)
        #expect(try #require(files.tokenizers.t5).load().padID == 0)
    }

    @Test func componentFoldersAndTokenizerFolders() throws {
        let diffusers = try SD3TestFolder()
        try Self.makeDiffusersFolder(diffusers)
        let folder = try SD3TestFolder()
        let url = try Self.makeSingleFile(folder, name: "sd3_medium.safetensors", structure: .sd3Medium, encoders: false)
        // --t5xxl DIR: a sharded text_encoder_3/ folder taken as it is.
        let files = try Self.sd3(SD3ModelPaths(model: url, clipL: diffusers.path("text_encoder"), clipG: diffusers.path("text_encoder_2"),
                                               t5xxl: diffusers.path("text_encoder_3"), tokenizers: diffusers.url))
        #expect(try #require(files.t5).source == diffusers.path("text_encoder_3/model.safetensors.index.json").path)
        #expect(files.clipL.configURL == diffusers.path("text_encoder/config.json"))
        #expect(files.tokenizers.t5 == .sentencePiece(diffusers.path("tokenizer_3/spiece.model")))
        // --tokenizers must be a folder of tokenizer folders.
        let notTokenizers = folder.path("weights")
        try FileManager.default.createDirectory(at: notTokenizers, withIntermediateDirectories: true)
        let message = "--tokenizers wants a folder holding tokenizer/, tokenizer_2/ and/or tokenizer_3/ (as a diffusers SD3 download does); this is not one."
        for dir in [notTokenizers, url] {
            #expect(Self.error(SD3ModelPaths(model: url, clipL: diffusers.path("text_encoder"), clipG: diffusers.path("text_encoder_2"),
                                             tokenizers: dir))?.description == "\(dir.path): \(message)")
        }
    }

    @Test func turboIsToldByName() throws {
        let folder = try SD3TestFolder()
        let clipL = try folder.writeTensors(SD3TestKeys.clip(), to: "clip_l.safetensors")
        let clipG = try folder.writeTensors(SD3TestKeys.clip(), to: "clip_g.safetensors")
        let turbo = try Self.makeSingleFile(folder, name: "sd3.5_large_Turbo.safetensors", encoders: false)
        let files = try Self.sd3(SD3ModelPaths(model: turbo, clipL: clipL, clipG: clipG))
        #expect(files.family == .sd35LargeTurbo)
        #expect(files.defaults == SD3FamilyDefaults(steps: 4, guidance: 0, shift: 3.0))
        // The same weights under another name are SD3.5-large.
        try FileManager.default.moveItem(at: turbo, to: folder.path("large.safetensors"))
        #expect(try Self.sd3(SD3ModelPaths(model: folder.path("large.safetensors"), clipL: clipL, clipG: clipG)).family == .sd35Large)
    }

    @Test func singleFileWithoutEncodersNeedsSeparateFiles() throws {
        let folder = try SD3TestFolder()
        let url = try Self.makeSingleFile(folder, name: "sd3_medium.safetensors", structure: .sd3Medium, encoders: false, vae: false)
        #expect(Self.error(SD3ModelPaths(model: url))?.description
                == "No CLIP-L weights (looked in \(url.path), --clip-l). Text-to-image needs the CLIP-L text encoder: pass --clip-l FILE (e.g. clip_l.safetensors).")
        // ComfyUI-style separate files: clip_l with text_model. and position_ids, clip_g with a
        // projection and logit_scale, an fp8 T5 naming its embedding encoder.embed_tokens and with a decoder.
        let clipL = try folder.writeTensors(SD3TestKeys.clip(projection: true, extras: true), to: "clip_l.safetensors", dtype: .f16)
        let clipG = try folder.writeTensors(SD3TestKeys.clip(extras: true), to: "clip_g.safetensors")
        let t5 = try folder.writeTensors(SD3TestKeys.t5(embedTokens: true, decoder: true), to: "t5xxl_fp8_e4m3fn.safetensors", dtype: .f8E4M3)
        let vae = try folder.writeTensors(SD3TestKeys.vae(ldm: false, prefix: "vae."), to: "sd3_vae.safetensors")
        try folder.write("", to: "tok/tokenizer_3/spiece.model")
        let files = try Self.sd3(SD3ModelPaths(model: url, clipL: clipL, clipG: clipG, t5xxl: t5, vae: vae, tokenizers: folder.path("tok")))
        #expect(files.family == .sd3Medium && files.layout == .singleFile)
        #expect(SD3TestKeys.shapes(of: files.clipL.weights) == SD3TestKeys.canonicalCLIP())
        #expect(SD3TestKeys.shapes(of: files.clipG.weights) == SD3TestKeys.canonicalCLIP())
        let t5Weights = try #require(files.t5).weights
        #expect(SD3TestKeys.shapes(of: t5Weights) == SD3TestKeys.canonicalT5())
        let raw = try SafeTensorsFile(contentsOf: t5)
        #expect(raw.dtype(of: "encoder.embed_tokens.weight") == .f8E4M3)
        #expect(try t5Weights.loadTensor("shared.weight") == raw.tensor("encoder.embed_tokens.weight"))
        #expect(try #require(files.vae).layout == .diffusers)
        #expect(SD3TestKeys.shapes(of: try #require(files.vae).weights) == SD3TestKeys.vae(ldm: false))
        #expect(files.tokenizers.t5 == .sentencePiece(folder.path("tok/tokenizer_3/spiece.model")))
        #expect(files.notes.isEmpty && files.warnings.isEmpty)
    }

    @Test func openCLIPStyleProjectionIsTransposed() throws {
        let folder = try SD3TestFolder()
        let url = try Self.makeSingleFile(folder, name: "sd3_medium.safetensors", structure: .sd3Medium, encoders: false)
        let clipL = try folder.writeTensors(SD3TestKeys.clip(), to: "clip_l.safetensors")
        // clip_g with the projection stored as `text_projection` [in, out], values 0, 1, 2, … row by row.
        var tensors: [String: Tensor] = [:]
        for (name, shape) in SD3TestKeys.clip(projection: false) { tensors[name] = Tensor(zeros: shape) }
        tensors["text_projection"] = Tensor(shape: [8, 8], scalars: (0..<64).map(Float.init))
        let clipG = folder.path("clip_g.safetensors")
        try SafeTensors.write(tensors, to: clipG)
        let files = try Self.sd3(SD3ModelPaths(model: url, clipL: clipL, clipG: clipG))
        #expect(SD3TestKeys.shapes(of: files.clipG.weights) == SD3TestKeys.canonicalCLIP())
        let projection = try files.clipG.weights.loadTensor("text_projection.weight")  // [out, in]
        #expect(projection.shape == [8, 8])
        let expected: [Float] = (0..<64).map { (i: Int) -> Float in Float((i % 8) * 8 + i / 8) }
        #expect(projection.scalars == expected)
    }

    @Test func aFileHoldingBothCLIPs() throws {
        let folder = try SD3TestFolder()
        let url = try Self.makeSingleFile(folder, name: "sd3_medium.safetensors", structure: .sd3Medium, encoders: false)
        var both = SD3TestKeys.clip(width: 768, prefix: "clip_l.transformer.", projection: false)
        both.merge(SD3TestKeys.clip(width: 1280, prefix: "clip_g.transformer."), uniquingKeysWith: { a, _ in a })
        let clips = try folder.writeTensors(both, to: "sd3_clips.safetensors")
        let files = try Self.sd3(SD3ModelPaths(model: url, clipL: clips, clipG: clips))
        #expect(SD3TestKeys.shapes(of: files.clipL.weights) == SD3TestKeys.canonicalCLIP(width: 768))
        #expect(SD3TestKeys.shapes(of: files.clipG.weights) == SD3TestKeys.canonicalCLIP(width: 1280))
    }

    @Test func comfyScaledFP8T5() throws {
        let folder = try SD3TestFolder()
        let url = try Self.makeSingleFile(folder, name: "sd3_medium.safetensors", structure: .sd3Medium, encoders: false)
        let clip = try folder.writeTensors(SD3TestKeys.clip(), to: "clip.safetensors")
        // fp8 weights with a float32 scalar scale_weight (and scale_input) beside each linear weight.
        var weights: [String: Tensor] = [:]
        for (name, shape) in SD3TestKeys.t5() { weights[name] = Tensor(repeating: 1.5, shape: shape) }
        let scaled = folder.path("t5xxl_fp8_e4m3fn_scaled.safetensors")
        try SafeTensors.write(weights.merging(["scaled_fp8": Tensor(zeros: [0])], uniquingKeysWith: { a, _ in a }), dtype: .f8E4M3, to: scaled)
        let scales = folder.path("scales.safetensors")
        try SafeTensors.write(["encoder.block.0.layer.0.SelfAttention.q.scale_weight": Tensor(shape: [], scalars: [0.25]),
                               "encoder.block.0.layer.0.SelfAttention.q.scale_input": Tensor(shape: [], scalars: [1])], to: scales)
        // One file, as ComfyUI writes it (FlowStudio's writer stores one dtype, so the scales are
        // fp8 here, F32 in ComfyUI's files; 0.25 and 1 are exact in both).
        var all: [String: Tensor] = try SafeTensorsFile(contentsOf: scaled).allTensors()
        all.merge(try SafeTensorsFile(contentsOf: scales).allTensors(), uniquingKeysWith: { a, _ in a })
        try SafeTensors.write(all, dtype: .f8E4M3, to: scaled)
        try folder.write("", to: "tok/tokenizer_3/spiece.model")
        let files = try Self.sd3(SD3ModelPaths(model: url, clipL: clip, clipG: clip, t5xxl: scaled, tokenizers: folder.path("tok")))
        let t5 = try #require(files.t5).weights
        #expect(SD3TestKeys.shapes(of: t5) == SD3TestKeys.canonicalT5())
        #expect(try t5.loadTensor("encoder.block.0.layer.0.SelfAttention.q.weight").scalars.allSatisfy { $0 == 1.5 * 0.25 })
        #expect(try t5.loadTensor("encoder.block.0.layer.0.SelfAttention.k.weight").scalars.allSatisfy { $0 == 1.5 })
    }

    @Test func openCLIPLayoutIsConverted() throws {
        let folder = try SD3TestFolder()
        let url = try Self.makeSingleFile(folder, name: "sd3_medium.safetensors", structure: .sd3Medium, encoders: false)
        let clipL = try folder.writeTensors(SD3TestKeys.clip(), to: "clip_l.safetensors")
        // A text tower as open_clip's TextTransformer names it (width 8, one layer), with a vision
        // tower and logit_scale beside it as in a whole open_clip model.
        let w = 8
        var tensors: [String: Tensor] = [
            "token_embedding.weight": Tensor(zeros: [10, w]), "positional_embedding": Tensor(zeros: [4, w]),
            "ln_final.weight": Tensor(zeros: [w]), "ln_final.bias": Tensor(zeros: [w]),
            "text_projection": Tensor(shape: [w, w], scalars: (0..<64).map(Float.init)),
            "logit_scale": Tensor(zeros: []), "visual.transformer.resblocks.0.attn.in_proj_weight": Tensor(zeros: [3 * w, w]),
            "transformer.resblocks.0.attn.in_proj_weight": Tensor(shape: [3 * w, w], scalars: (0..<(3 * w * w)).map(Float.init)),
            "transformer.resblocks.0.attn.in_proj_bias": Tensor(shape: [3 * w], scalars: (0..<(3 * w)).map(Float.init)),
        ]
        for name in ["attn.out_proj", "ln_1", "ln_2"] {
            tensors["transformer.resblocks.0.\(name).bias"] = Tensor(zeros: [w])
            tensors["transformer.resblocks.0.\(name).weight"] = Tensor(zeros: name == "attn.out_proj" ? [w, w] : [w])
        }
        tensors["transformer.resblocks.0.mlp.c_fc.weight"] = Tensor(zeros: [2 * w, w])
        tensors["transformer.resblocks.0.mlp.c_fc.bias"] = Tensor(zeros: [2 * w])
        tensors["transformer.resblocks.0.mlp.c_proj.weight"] = Tensor(zeros: [w, 2 * w])
        tensors["transformer.resblocks.0.mlp.c_proj.bias"] = Tensor(zeros: [w])
        let clipG = folder.path("open_clip_model.safetensors")
        try SafeTensors.write(tensors, to: clipG)
        let files = try Self.sd3(SD3ModelPaths(model: url, clipL: clipL, clipG: clipG))
        let g = files.clipG.weights
        #expect(SD3TestKeys.shapes(of: g) == SD3TestKeys.canonicalCLIP())
        let layer = "text_model.encoder.layers.0.self_attn."
        #expect(try g.loadTensor(layer + "q_proj.weight").scalars == (0..<64).map(Float.init))
        #expect(try g.loadTensor(layer + "k_proj.weight").scalars == (64..<128).map(Float.init))
        #expect(try g.loadTensor(layer + "v_proj.weight").scalars == (128..<192).map(Float.init))
        #expect(try g.loadTensor(layer + "v_proj.bias").scalars == (16..<24).map(Float.init))
        let expected: [Float] = (0..<64).map { (i: Int) -> Float in Float((i % 8) * 8 + i / 8) }
        #expect(try g.loadTensor("text_projection.weight").scalars == expected)
    }

    @Test func explicitFilesOverrideTheSingleFile() throws {
        let folder = try SD3TestFolder()
        let url = try Self.makeSingleFile(folder, name: "sd3.5_large.safetensors", encoders: true)
        let clipG = try folder.writeTensors(SD3TestKeys.clip(prefix: "cond_stage_model.transformer."), to: "my_clip_g.safetensors")
        try folder.write("", to: "tok/tokenizer_3/spiece.model")
        let files = try Self.sd3(SD3ModelPaths(model: url, clipG: clipG, tokenizers: folder.path("tok")))
        #expect(files.clipG.source == clipG.path)
        #expect(SD3TestKeys.shapes(of: files.clipG.weights) == SD3TestKeys.canonicalCLIP())
        #expect(files.notes == ["CLIP-G from \(clipG.path) (--clip-g), not from \(url.path)"])
    }

    @Test func bareMMDiTFiles() throws {
        let folder = try SD3TestFolder()
        let clipL = try folder.writeTensors(SD3TestKeys.clip(), to: "clip_l.safetensors")
        let clipG = try folder.writeTensors(SD3TestKeys.clip(), to: "clip_g.safetensors")
        let diffusers = try folder.writeTensors(try SD3TestKeys.diffusersMMDiT(.sd35Medium), to: "transformer-only.safetensors")
        let files = try Self.sd3(SD3ModelPaths(model: diffusers, clipL: clipL, clipG: clipG))
        #expect(files.layout == .transformerOnly && files.family == .sd35Medium)
        #expect(files.transformerConfig.dualAttentionLayers == Array(0...12))
        #expect(files.vaeMissing && files.t5 == nil && files.notes.count == 1)
        let stability = try folder.writeTensors(SD3TestKeys.stabilityMMDiT(.sd35Medium, prefix: ""), to: "stability-only.safetensors")
        let fromStability = try Self.sd3(SD3ModelPaths(model: stability, clipL: clipL, clipG: clipG))
        #expect(SD3TestKeys.shapes(of: fromStability.transformer.weights) == (try SD3TestKeys.diffusersMMDiT(.sd35Medium)))
        // An MM-DiT of another structure.
        let small = try folder.writeTensors(try SD3TestKeys.diffusersMMDiT(.small), to: "small.safetensors")
        let other = try Self.sd3(SD3ModelPaths(model: small, clipL: clipL, clipG: clipG))
        #expect(other.family == .other && other.defaults == SD3Family.other.defaults)
        #expect(other.notes.contains { $0.hasPrefix("the MM-DiT (depth 4, hidden 64") && $0.hasSuffix("it runs with diffusers' pipeline defaults (28 steps, CFG 7, shift 3)") })
    }

    @Test func wrongFilesForAComponent() throws {
        let folder = try SD3TestFolder()
        let url = try Self.makeSingleFile(folder, name: "sd3_medium.safetensors", structure: .sd3Medium, encoders: false)
        let bigG = try folder.writeTensors(SD3TestKeys.clip(width: 1280).filter { $0.key.hasSuffix("token_embedding.weight") }, to: "clip_g.safetensors")
        let t5 = try folder.writeTensors(SD3TestKeys.t5(), to: "t5.safetensors")
        #expect(Self.error(SD3ModelPaths(model: url, clipL: bigG, clipG: bigG))?.description
                == "--clip-l \(bigG.path): a CLIP-G text encoder (width 1280): pass it as --clip-g, not CLIP-L weights.")
        #expect(Self.error(SD3ModelPaths(model: url, clipL: t5))?.description
                == "--clip-l \(t5.path): T5 encoder weights (pass them as --t5xxl), not CLIP-L weights.")
        let sdxlVAE = try folder.writeTensors(SD3TestKeys.vae(ldm: true, latentChannels: 4), to: "sdxl_vae.safetensors")
        #expect(Self.error(SD3ModelPaths(model: url, vae: sdxlVAE))?.description
                == "--vae \(sdxlVAE.path): a VAE with 4 latent channels (SD1.x / SDXL); SD3 needs its own 16-channel VAE, not VAE weights.")
    }

    // MARK: Other families, the demo model, bad paths

    @Test(arguments: [
        (["model.diffusion_model.input_blocks.0.0.weight": [4, 4], "cond_stage_model.transformer.text_model.embeddings.token_embedding.weight": [4, 4]], "an SD1.x / SD2.x"),
        (["model.diffusion_model.input_blocks.0.0.weight": [4, 4], "conditioner.embedders.0.transformer.text_model.embeddings.token_embedding.weight": [4, 4]], "an SDXL"),
        (["double_blocks.0.img_attn.norm.key_norm.scale": [4], "single_blocks.0.linear1.weight": [4, 4]], "a Flux"),
        (["model.diffusion_model.double_blocks.0.img_attn.qkv.weight": [4, 4]], "a Flux"),
    ])
    func otherFamiliesAreNamed(keys: [String: [Int]], family: String) throws {
        let folder = try SD3TestFolder()
        let url = try folder.writeTensors(keys, to: "other.safetensors")
        #expect(Self.error(SD3ModelPaths(model: url))?.description == "\(url.path) is \(family) checkpoint, which FlowStudio does not run; it runs the SD3 family (SD3-medium, SD3.5-medium, SD3.5-large, SD3.5-large-turbo) and its own demo model.")
    }

    @Test func notAnSD3Checkpoint() throws {
        let folder = try SD3TestFolder()
        let url = try folder.writeTensors(["layers.0.weight": [2], "layers.1.weight": [2]], to: "mystery.safetensors")
        #expect(Self.error(SD3ModelPaths(model: url))?.description == "\(url.path) is not an SD3-family checkpoint (its tensors are named like \"layers.0.weight\", \"layers.1.weight\"). Give an SD3 / SD3.5 single file (sd3.5_large.safetensors), a diffusers StableDiffusion3Pipeline folder, an MM-DiT file with diffusers or Stability keys, or a FlowStudio demo model.")
        let gguf = folder.path("sd3.5_large-Q4_0.gguf")
        try folder.write("GGUF", to: gguf.lastPathComponent)
        // A GGUF file is read (SD3GGUFTests); a damaged one says so.
        #expect(Self.error(SD3ModelPaths(model: gguf))?.description == "GGUF file \(gguf.path): the version at byte 4 needs 4 bytes, but the file ends at byte 4. The file is damaged or truncated (download it again).")
    }

    @Test func theDemoModelIsRecognised() throws {
        let bundled = try #require(DemoPipeline.bundledModelURL)
        guard case .demoModel(let url, .file) = try SD3ModelFiles.locate(SD3ModelPaths(model: bundled)) else {
            Issue.record("the bundled model is not recognised as the demo model"); return
        }
        #expect(url == bundled)
        let folder = try SD3TestFolder()
        let clip = try folder.writeTensors(SD3TestKeys.clip(), to: "clip_l.safetensors")
        #expect(Self.error(SD3ModelPaths(model: bundled, clipL: clip))?.description == "\(bundled.path) is a FlowStudio demo model, which has its own text encoder and no VAE; --clip-l apply to SD3 models only. Leave them out.")
    }

    @Test func anExportedDemoFolderIsRecognised() throws {
        let folder = try SD3TestFolder()
        let bundled = try #require(DemoPipeline.bundledModelURL)
        try DiffusersFolder.export(model: bundled, to: folder.path("export"), force: false)
        guard case .demoModel(let url, .diffusersExport) = try SD3ModelFiles.locate(SD3ModelPaths(model: folder.path("export"))) else {
            Issue.record("the exported demo folder is not recognised"); return
        }
        #expect(url == folder.path("export"))
        // It still reads as before with the demo code.
        #expect(try DiffusersFolder.read(folder.path("export")).description != nil)
    }

    @Test func pathsThatAreNotModels() throws {
        let folder = try SD3TestFolder()
        let missing = folder.path("nope.safetensors")
        #expect(Self.error(SD3ModelPaths(model: missing))?.description == "--model \(missing.path): no such file or folder.")
        let clipMissing = folder.path("clip_l.safetensors")
        let url = try Self.makeSingleFile(folder, name: "sd3_medium.safetensors", structure: .sd3Medium, encoders: false)
        #expect(Self.error(SD3ModelPaths(model: url, clipL: clipMissing))?.description == "--clip-l \(clipMissing.path): no such file or folder.")
        let fifo = folder.path("model.safetensors")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        let error = withFIFOWatchdog(fifo.path) { Self.error(SD3ModelPaths(model: fifo)) }
        #expect(error?.description == "\(fifo.path): \(fifo.path) is a FIFO (named pipe), not a file; give a safetensors file.")
        let empty = folder.path("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(Self.error(SD3ModelPaths(model: empty))?.description == "No MM-DiT weights (looked in \(empty.path)/model_index.json, \(empty.path)/config.json). Text-to-image needs the MM-DiT: give --model with an SD3 single file, a diffusers folder or an MM-DiT file.")
    }
}
