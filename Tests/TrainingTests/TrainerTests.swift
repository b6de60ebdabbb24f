import DemoModelFormat
import Foundation
import Testing
import FlowCore
import Generation
import ShapesWorld
@testable import Training

/// A run small enough for a unit test: depth 1 (hidden 64), 16² images, patch 4, batch 4.
func tinyOptions() -> TrainingOptions {
    var o = TrainingOptions()
    o.depth = 1
    o.resolution = 16
    o.patchSize = 4
    o.textLayers = 1
    o.batchSize = 4
    o.steps = 4
    o.warmupSteps = 2
    o.validationEvery = 2
    o.validationSize = 8
    o.checkpointEvery = 2
    return o
}

func temporaryDirectory() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("flowstudio-tests-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct TrainerTests {
    @Test func resumingGivesTheSameWeightsAsAnUninterruptedRun() throws {
        let straight = temporaryDirectory(), resumed = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: straight); try? FileManager.default.removeItem(at: resumed) }
        let a = try Trainer(options: tinyOptions(), directory: straight, resume: false)
        try a.run(shouldStop: { false }) { _ in }

        var stopAfter2 = tinyOptions()
        stopAfter2.steps = 2
        let b1 = try Trainer(options: stopAfter2, directory: resumed, resume: false)
        try b1.run(shouldStop: { false }) { _ in }
        let b2 = try Trainer(options: tinyOptions(), directory: resumed, resume: true)
        #expect(b2.step == 2)
        try b2.run(shouldStop: { false }) { _ in }
        #expect(b2.step == 4)
        let wa = Array(UnsafeBufferPointer(start: a.model.params.values, count: a.model.params.count))
        let wb = Array(UnsafeBufferPointer(start: b2.model.params.values, count: b2.model.params.count))
        #expect(wa == wb, "resumed weights differ from the uninterrupted run")
        // The exported EMA model loads as a pipeline and generates.
        let pipeline = try DemoPipeline(contentsOf: resumed.appendingPathComponent("model.safetensors"))
        var settings = pipeline.defaultSettings
        settings.prompt = "a red circle"
        settings.steps = 2
        let result = try #require(try pipeline.generate(settings) { _ in true })
        #expect(result.image.width == 16)
        let log = try String(contentsOf: resumed.appendingPathComponent("log.csv"), encoding: .utf8)
        #expect(log.split(separator: "\n").count == 5)  // header + 4 steps
    }

    @Test func stoppingSavesACheckpointAtTheCurrentStep() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var o = tinyOptions()
        o.checkpointEvery = 100
        let trainer = try Trainer(options: o, directory: dir, resume: false)
        var steps = 0
        try trainer.run(shouldStop: { steps >= 1 }) { _ in steps += 1 }
        #expect(trainer.step == 1)
        let again = try Trainer(options: o, directory: dir, resume: true)
        #expect(again.step == 1)
    }

    @Test func refusesToOverwriteARunOrResumeAMismatchedOne() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var o = tinyOptions()
        o.steps = 1
        try Trainer(options: o, directory: dir, resume: false).run(shouldStop: { false }) { _ in }
        #expect(throws: TrainingError.self) { try Trainer(options: o, directory: dir, resume: false) }
        // A corrupt checkpoint is an error, not a crash, and is left in place.
        let checkpoint = dir.appendingPathComponent("checkpoint.safetensors")
        try Data("garbage".utf8).write(to: checkpoint)
        #expect(throws: (any Error).self) { try Trainer(options: o, directory: dir, resume: true) }
        #expect(try Data(contentsOf: checkpoint) == Data("garbage".utf8))
    }

    @Test func aNonFiniteLossStopsAndKeepsTheLastGoodCheckpoint() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var o = tinyOptions()
        o.learningRate = 1e30
        o.warmupSteps = 0
        o.checkpointEvery = 1
        o.steps = 50
        let trainer = try Trainer(options: o, directory: dir, resume: false)
        var failedAt: Int?
        do {
            try trainer.run(shouldStop: { false }) { _ in }
        } catch let TrainingError.nonFiniteLoss(step, last) {
            failedAt = step
            #expect(last == step - 1)
        }
        let step = try #require(failedAt, "the loss never became non-finite")
        let resumed = try Trainer(options: o, directory: dir, resume: true)
        #expect(resumed.step == step - 1)
    }

    /// A model samples by default with the shift that matches its training density.
    @Test func theExportedModelDefaultsToTheShiftOfItsDensity() throws {
        var options = tinyOptions()
        #expect(Trainer.defaultShift(for: options) == 1)  // lognorm:0,1
        options.timesteps = "lognorm:1.75,1.25"
        #expect(Trainer.defaultShift(for: options) == 5.75)
        options.timesteps = "cosmap"
        #expect(Trainer.defaultShift(for: options) == 1)
        options.timesteps = "lognorm:1.0986,1"
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let trainer = try Trainer(options: options, directory: directory, resume: false)
        let url = directory.appendingPathComponent("model.safetensors")
        try trainer.exportModel(to: url)
        #expect(try DemoPipeline(contentsOf: url).defaultSettings.shift == 3)
    }

    /// `flowstudio defaults`: a file's sampling defaults change, its weights, their storage type
    /// and the rest of its metadata do not; a file that is no demo model is refused untouched.
    @Test func changingAModelsDefaultsKeepsItsWeights() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let trainer = try Trainer(options: tinyOptions(), directory: directory, resume: false)
        let url = directory.appendingPathComponent("model.safetensors")
        try trainer.exportModel(to: url)
        let before = try SafeTensorsFile(contentsOf: url)
        let updated = try DemoModelDefaults.update(in: url, steps: 8, guidance: 2)
        #expect(updated.defaultSteps == 8 && updated.defaultGuidance == 2)
        let after = try SafeTensorsFile(contentsOf: url)
        #expect(try after.allTensors() == before.allTensors())
        #expect(after.names.allSatisfy { after.dtype(of: $0) == .f16 })
        var expected = try #require(try DemoModelDescription.read(from: before))
        (expected.defaultSteps, expected.defaultGuidance) = (8, 2)
        #expect(try DemoModelDescription.read(from: after) == expected)
        let defaults = try DemoPipeline(contentsOf: url).defaultSettings
        #expect(defaults.steps == 8 && defaults.cfgScale == 2 && defaults.shift == expected.defaultShift)

        let plain = directory.appendingPathComponent("plain.safetensors")
        try SafeTensors.write(["x": Tensor(shape: [2], scalars: [1, 2])], to: plain)
        let bytes = try Data(contentsOf: plain)
        #expect(throws: DemoModelFileError.self) { try DemoModelDefaults.update(in: plain, guidance: 2) }
        #expect(try Data(contentsOf: plain) == bytes)
    }

    /// Warm-up, constant, then a linear cool-down that ends just above zero.
    @Test func learningRateScheduleWarmsUpHoldsAndCoolsDown() throws {
        var o = TrainingOptions()
        o.learningRate = 1
        o.warmupSteps = 4
        o.steps = 20
        #expect((0..<4).map { o.learningRate(at: $0) } == [0.25, 0.5, 0.75, 1])
        #expect(o.learningRate(at: 19) == 1)  // no cool-down: constant to the end
        o.cooldownSteps = 5
        #expect((14...19).map { o.learningRate(at: $0) } == [1, 1, 0.8, 0.6, 0.4, 0.2])
        o.cooldownSteps = 21
        #expect(throws: TrainingError.self) { try o.validate() }
        // Options stored before the cool-down existed still decode (no cool-down).
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(tinyOptions())) as! [String: Any]
        json.removeValue(forKey: "cooldownSteps")
        let old = try JSONDecoder().decode(TrainingOptions.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(old.cooldownSteps == nil && old.learningRate(at: 3) == old.learningRate)
    }

    /// A resume may extend a run, change its learning rate and give it a cool-down (how a snapshot
    /// is landed on a copy of a run directory); everything else comes from the checkpoint.
    @Test func aResumeMayChangeLengthRateAndCooldown() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var o = tinyOptions()
        o.steps = 2
        try Trainer(options: o, directory: dir, resume: false).run(shouldStop: { false }) { _ in }
        var more = TrainingOptions()
        more.steps = 6
        more.cooldownSteps = 3
        more.learningRate = 1e-3
        more.sceneMix = SceneMix(oneObject: 0, twoObjects: 1, count: 1)
        more.depth = 3  // ignored: the run's shape comes from the checkpoint
        let unchanged = try Trainer(options: more, directory: dir, resume: true)
        #expect(unchanged.options.steps == 6 && unchanged.options.cooldownSteps == nil)
        #expect(unchanged.options.learningRate == o.learningRate && unchanged.options.depth == o.depth)
        let resumed = try Trainer(options: more, directory: dir, resume: true, changing: Set(ResumableOption.allCases))
        #expect(resumed.options.steps == 6 && resumed.options.cooldownSteps == 3)
        #expect(resumed.options.learningRate == 1e-3 && resumed.options.depth == o.depth)
        #expect(unchanged.options.sceneMix == nil && resumed.options.sceneMix == more.sceneMix)
        var rates: [Float] = []
        try resumed.run(shouldStop: { false }) { rates.append($0.learningRate) }
        #expect(rates.count == 4)
        #expect(rates.last! < rates.first!)
    }

    @Test func rejectsBadOptionsNamingTheOptionAndValue() {
        var o = tinyOptions()
        o.timesteps = "lognorm:0"
        #expect(throws: (any Error).self) { try o.validate() }
        func message(_ change: (inout TrainingOptions) -> Void) -> String {
            var o = tinyOptions()
            change(&o)
            do { try o.validate() } catch { return "\(error)" }
            return "accepted"
        }
        #expect(message { $0.resolution = 18 } == "invalid training option: the resolution 18 must be a multiple of the patch size \(tinyOptions().patchSize)")
        #expect(message { $0.patchSize = 0 } == "invalid training option: the patch size must be ≥ 1 pixel (got 0)")
        #expect(message { $0.resolution = 0 } == "invalid training option: the resolution must be ≥ 8 pixels (got 0)")
        #expect(message { $0.batchSize = 0 } == "invalid training option: the batch size must be ≥ 1 (got 0)")
        #expect(message { $0.warmupSteps = -1 } == "invalid training option: warm-up steps must be ≥ 0 (got -1)")
        #expect(message { $0.emaDecay = 2 } == "invalid training option: the EMA decay must be in [0, 1), e.g. 0.999 (got 2.0)")
        #expect(message { $0.learningRate = .nan } == "invalid training option: the learning rate must be a number > 0 (got nan)")
        #expect(message { _ in } == "accepted")
    }

    /// A batch far beyond the machine's memory is refused before anything is allocated; the
    /// estimate for the default options (batch 64 at depth 4, the bundled model's shape and
    /// batch) stays near what they measure (0.85 GB).
    @Test func aBatchBeyondMemoryIsRefused() throws {
        let scratch = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let dir = scratch.appendingPathComponent("run")
        let defaults = TrainingOptions()
        #expect((0.85e9...2e9).contains(Double(defaults.estimatedMemoryBytes)))
        var o = tinyOptions()
        o.batchSize = 100_000_000
        #expect(throws: TrainingError.self) { try Trainer(options: o, directory: dir, resume: false) }
        #expect(!FileManager.default.fileExists(atPath: dir.path))
    }

    /// A mistyped --out with --resume must not start a new run, and a new run must not
    /// overwrite the model or log an earlier run left behind.
    @Test func resumeNeedsACheckpointAndANewRunKeepsOldFiles() throws {
        let scratch = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let dir = scratch.appendingPathComponent("run")
        let o = tinyOptions()
        #expect(throws: TrainingError.checkpoint("nothing to resume in \(dir.path) (no checkpoint.safetensors); drop --resume to start a new run there")) {
            try Trainer(options: o, directory: dir, resume: true)
        }
        #expect(!FileManager.default.fileExists(atPath: dir.path))
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let model = dir.appendingPathComponent(Trainer.modelFileName)
        try Data("earlier model".utf8).write(to: model)
        #expect(throws: TrainingError.self) { try Trainer(options: o, directory: dir, resume: false) }
        #expect(throws: TrainingError.self) { try Trainer(options: o, directory: dir, resume: true) }
        #expect(try Data(contentsOf: model) == Data("earlier model".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == [Trainer.modelFileName])
    }

    /// The scene mix weights the training data only: a count-only mix draws count scenes, and
    /// the validation set is the standard one whatever the mix.
    @Test func sceneMixWeightsTrainingDataButNotValidation() throws {
        var counting = tinyOptions()
        counting.sceneMix = try SceneMix(parsing: "0, 0, 1")
        let weighted = try ShapesBatches(options: counting), standard = try ShapesBatches(options: tinyOptions())
        #expect((0..<64).allSatisfy { weighted.generator.example(at: $0).scene.kind == .count })
        #expect(Set((0..<64).map { standard.generator.example(at: $0).scene.kind }) == Set(SceneKind.allCases))
        let a = weighted.validationBatches(), b = standard.validationBatches()
        #expect(a.map(\.images) == b.map(\.images) && a.map(\.tokens) == b.map(\.tokens))
        #expect(SceneMix.standard.description == "0.5,0.25,0.25")
        var explicit = tinyOptions()
        explicit.sceneMix = .standard
        let same = try ShapesBatches(options: explicit)
        #expect((0..<32).allSatisfy { same.generator.example(at: $0) == standard.generator.example(at: $0) })
        for bad in ["1,2", "a,b,c", "0,0,0", "-1,1,1", "1,,1", "1,nan,1", "1e308,1e308,1"] {
            #expect(throws: TrainingError.self, "'\(bad)'") { try SceneMix(parsing: bad) }
        }
    }

    @Test func batchesAreDeterministicAndHoldOutGreenTriangles() throws {
        let batches = try ShapesBatches(options: tinyOptions())
        let a = batches.trainingBatch(step: 3), b = batches.trainingBatch(step: 3)
        #expect(a.images == b.images && a.tokens == b.tokens && a.noise == b.noise && a.t == b.t)
        let words = batches.tokenizer.words
        let green = words.firstIndex(of: "green")! + 2, triangle = words.firstIndex(of: "triangle")! + 2
        for step in 0..<200 {
            for tokens in batches.trainingBatch(step: step).tokens {
                let bigram = zip(tokens, tokens.dropFirst()).contains { $0 == green && $1 == triangle }
                #expect(!bigram, "a training caption says 'green triangle'")
            }
        }
    }
}

/// What the model is taught, end to end: the images of training batches (read back from the
/// tensors the model sees) hold the objects of their scenes in the scenes' cells, and every
/// position phrase in a training caption names one of those cells.
@Suite struct TrainingDataTests {
    @Test func trainingImagesAndCaptionsAgreeOnPositions() throws {
        var options = TrainingOptions()
        options.batchSize = 50
        let batches = try ShapesBatches(options: options)
        let checker = SceneChecker()
        var phrases = 0
        for step in 0..<4 {
            let batch = batches.trainingBatch(step: step)
            let r = options.resolution
            for item in 0..<options.batchSize {
                let index = step * options.batchSize + item
                let example = batches.generator.example(at: index)
                let pixels = Array(batch.images.scalars[(item * 3 * r * r)..<((item + 1) * 3 * r * r)])
                let image = RGBImage(signedUnitTensor: Tensor(shape: [3, r, r], scalars: pixels))
                let found = checker.analyze(image)
                #expect(found.objects.map(\.cell.rawValue).sorted() == example.scene.objects.map(\.cell.rawValue).sorted(),
                        "item \(index) '\(example.fullCaption)': found \(found)")
                for cell in GridCell.allCases where example.caption.contains(" " + cell.phrase) {
                    // "at the top" is inside "at the top left": count only whole phrases.
                    let whole = example.caption.hasSuffix(cell.phrase) || example.caption.contains(cell.phrase + " and")
                        || example.caption.contains(cell.phrase + " on")
                    guard whole else { continue }
                    phrases += 1
                    #expect(example.scene.objects.contains { $0.cell == cell }, "item \(index): '\(example.caption)' names \(cell.name)")
                }
            }
        }
        #expect(phrases > 50)
    }
}

/// The training recipe: every `flowstudio train` invocation of a run, kept in the checkpoint
/// across resumes, written into the exported model and printed by `flowstudio defaults`.
@Suite struct TrainingRecipeTests {
    static func description(of url: URL) throws -> DemoModelDescription {
        try #require(try DemoModelDescription.read(from: SafeTensorsFile(contentsOf: url)))
    }

    /// A new run and a resume that changes the rate, length, cool-down and mix: two phases, each
    /// with its steps, command and the options in force, in the checkpoint and the model file.
    @Test func aResumeAddsAPhaseWithTheOptionsInForce() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var first = tinyOptions()
        first.steps = 2
        let a = try Trainer(options: first, directory: dir, resume: false)
        a.commandLine = "flowstudio train --steps 2"
        try a.run(shouldStop: { false }) { _ in }
        var more = tinyOptions()
        (more.steps, more.learningRate, more.cooldownSteps) = (4, 1e-3, 2)
        more.sceneMix = try SceneMix(parsing: "0.2,0.5,0.3")
        let b = try Trainer(options: more, directory: dir, resume: true, changing: Set(ResumableOption.allCases))
        b.commandLine = "flowstudio train --resume --steps 4 --lr 1e-3"
        try b.run(shouldStop: { false }) { _ in }

        let recipe = try #require(try Self.description(of: dir.appendingPathComponent(Trainer.modelFileName)).recipe)
        #expect(recipe.count == 2)
        #expect(recipe.map(\.fromStep) == [0, 2] && recipe.map(\.toStep) == [2, 4])
        #expect(recipe.map(\.command) == ["flowstudio train --steps 2", "flowstudio train --resume --steps 4 --lr 1e-3"])
        #expect(recipe.map(\.run) == [dir.path, dir.path])
        #expect(recipe[0].start == "new run, fresh weights (seed 0)")
        #expect(recipe[1].start?.hasPrefix("resume at step 2") == true)
        #expect(recipe.map { $0.value(of: "lr") } == ["0.0003", "0.001"])
        #expect(recipe.map { $0.value(of: "steps") } == ["2", "4"])
        #expect(recipe.map { $0.value(of: "cooldown") } == ["0", "2"])
        #expect(recipe.map { $0.value(of: "scene-mix") } == ["0.5,0.25,0.25", "0.2,0.5,0.3"])
        #expect(recipe.map { $0.value(of: "precision") } == ["float32", "float32"])
        // Every option of TrainingOptions is recorded, and the run-defining ones stay the same.
        let names = Set(recipe[0].options.map(\.name))
        #expect(names.isSuperset(of: ["depth", "resolution", "patch", "text-layers", "text-length", "batch", "warmup", "weight-decay",
                                      "grad-clip", "ema", "timesteps", "caption-dropout", "caption-part-dropout", "seed",
                                      "validate-every", "validation-size", "checkpoint-every", "threads"]))
        #expect(recipe[0].options.count == TrainingOptions().recipeSettings.count + 2)
        for name in ["depth", "resolution", "patch", "batch", "warmup", "timesteps", "seed", "ema"] {
            #expect(recipe[0].value(of: name) == recipe[1].value(of: name), "\(name)")
        }
        #expect(recipe[0].value(of: "depth") == "1" && recipe[0].value(of: "batch") == "4" && recipe[0].value(of: "warmup") == "2")
        // The checkpoint holds the same record, so a third invocation continues it.
        let c = try Trainer(options: more, directory: dir, resume: true)
        #expect(c.recipe.count == 3 && Array(c.recipe.prefix(2)) == recipe)
        #expect(c.recipe[2].fromStep == 4 && c.recipe[2].command == "not recorded")
    }

    /// A checkpoint written before recipes were recorded still resumes; what it knows (its
    /// options and step) becomes a first phase that says what was not recorded.
    @Test func aCheckpointWithoutARecipeStillResumes() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var o = tinyOptions()
        o.steps = 2
        try Trainer(options: o, directory: dir, resume: false).run(shouldStop: { false }) { _ in }
        let url = dir.appendingPathComponent("checkpoint.safetensors")
        let file = try SafeTensorsFile(contentsOf: url)
        var metadata = file.metadata
        #expect(metadata.removeValue(forKey: "flowstudio.checkpoint.recipe") != nil)
        try SafeTensors.write(file.allTensors(), metadata: metadata, to: url)

        o.steps = 3
        let resumed = try Trainer(options: o, directory: dir, resume: true)
        #expect(resumed.step == 2)
        try resumed.run(shouldStop: { false }) { _ in }
        let recipe = try #require(try Self.description(of: dir.appendingPathComponent(Trainer.modelFileName)).recipe)
        #expect(recipe.count == 2)
        #expect(recipe[0].fromStep == nil && recipe[0].toStep == 2 && recipe[0].command == "not recorded" && recipe[0].start == nil)
        #expect(recipe[0].note?.contains("before FlowStudio recorded training recipes") == true)
        #expect(recipe[0].value(of: "steps") == "2" && recipe[0].value(of: "depth") == "1")
        #expect(recipe[1].fromStep == 2 && recipe[1].toStep == 3)
        #expect(try Self.description(of: dir.appendingPathComponent(Trainer.modelFileName)).trainingLines()
            .contains("  1. \(dir.path), steps not recorded–2"))
    }

    /// A model file written before recipes were recorded (no `recipe` in its description) loads
    /// and generates; `flowstudio defaults` says the recipe was not recorded.
    @Test func aModelFileWithoutARecipeStillLoads() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let trainer = try Trainer(options: tinyOptions(), directory: dir, resume: false)
        let url = dir.appendingPathComponent("old.safetensors")
        try trainer.exportModel(to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        var json = try JSONSerialization.jsonObject(with: Data(file.metadata[DemoModelDescription.metadataKey]!.utf8)) as! [String: Any]
        #expect(json.removeValue(forKey: "recipe") != nil)
        let oldJSON = String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self)
        try SafeTensors.write(file.allTensors(), metadata: [DemoModelDescription.metadataKey: oldJSON], dtype: .f16, to: url)

        let description = try Self.description(of: url)
        #expect(description.recipe == nil)
        #expect(description.trainingLines() == ["trained by: \(description.training)",
                                                "training recipe: not recorded (this file was written before FlowStudio recorded one)"])
        var settings = try DemoPipeline(contentsOf: url).defaultSettings
        settings.prompt = "a red circle"
        settings.steps = 1
        #expect(try DemoPipeline(contentsOf: url).generate(settings) { _ in true } != nil)
    }

    /// `--init`: the initial model's phases come first, then the new run's, which says where its
    /// weights came from.
    @Test func anInitialModelsRecipeComesFirst() throws {
        let scratch = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let first = scratch.appendingPathComponent("a"), second = scratch.appendingPathComponent("b")
        var o = tinyOptions()
        o.steps = 2
        let a = try Trainer(options: o, directory: first, resume: false)
        a.commandLine = "flowstudio train --out a"
        try a.run(shouldStop: { false }) { _ in }
        let initial = try InitialModel(contentsOf: first.appendingPathComponent(Trainer.modelFileName))
        o.timesteps = "lognorm:1.75,1.25"
        let b = try Trainer(options: initial.trainingOptions(from: o, given: []), directory: second, initialModel: initial)
        b.recordInitialModel(initial)
        b.recordInitialModel(initial)  // idempotent
        b.commandLine = "flowstudio train --out b --init a/model.safetensors"
        try b.run(shouldStop: { false }) { _ in }
        let recipe = try #require(try Self.description(of: second.appendingPathComponent(Trainer.modelFileName)).recipe)
        #expect(recipe.map(\.run) == [first.path, second.path])
        #expect(recipe.map(\.command) == ["flowstudio train --out a", "flowstudio train --out b --init a/model.safetensors"])
        #expect(recipe.map { $0.value(of: "timesteps") } == ["lognorm:0,1", "lognorm:1.75,1.25"])
        #expect(recipe[1].start?.hasPrefix("--init \(initial.url.path): new run from its MM-DiT and text encoder") == true)
        #expect(recipe.map(\.fromStep) == [0, 0] && recipe.map(\.toStep) == [2, 2])
    }

    /// The shipped model's recipe (written from BundledModel.md): eight phases that chain step
    /// ranges within each run, end at step 72000, record every option, and agree with the
    /// options their documented command lines give.
    @Test func theBundledModelCarriesItsRecipe() throws {
        let url = try #require(DemoPipeline.bundledModelURL)
        let recipe = try #require(try Self.description(of: url).recipe)
        #expect(recipe.count == 8)
        #expect(recipe.map(\.run) == ["runs/shapes-d4"] + Array(repeating: "runs/shapes-d4-p2", count: 7))
        #expect(recipe.first?.fromStep == 0 && recipe.first?.toStep == 5431 && recipe.last?.toStep == 72000)
        for (a, b) in zip(recipe, recipe.dropFirst()) where a.run == b.run {
            #expect(a.toStep == b.fromStep, "\(a.run): a phase ends at \(a.toStep ?? -1), the next starts at \(b.fromStep ?? -1)")
        }
        let names = TrainingOptions().recipeSettings.map(\.name) + ["precision", "threads"]
        for (i, phase) in recipe.enumerated() {
            #expect(phase.options.map(\.name) == names, "phase \(i + 1)")
            // Each `--flag value` of a documented command line is the option in force.
            let words = phase.command.split(separator: " (")[0].split(separator: " ").map(String.init)
            for (flag, value) in zip(words, words.dropFirst()) where flag.hasPrefix("--") && !value.hasPrefix("--") {
                let name = flag == "--init" || flag == "--out" ? nil : String(flag.dropFirst(2))
                guard let name, let recorded = phase.value(of: name) else { continue }
                let same = recorded == value || (Double(recorded) != nil && Double(recorded) == Double(value))
                #expect(same, "phase \(i + 1): \(flag) \(value) but \(name) \(recorded)")
            }
        }
        #expect(recipe.map { $0.value(of: "precision")! } == ["float32", "float32"] + Array(repeating: "bfloat16", count: 6))
        #expect(recipe.dropFirst().allSatisfy { $0.value(of: "timesteps") == "lognorm:1.75,1.25" && $0.value(of: "warmup") == "500" })
        #expect(recipe.last?.value(of: "scene-mix") == "0.2,0.5,0.3" && recipe.last?.value(of: "lr") == "0.0002")
    }

    /// What `flowstudio defaults` prints: the last command, then each phase with its steps,
    /// start, command, wrapped options and note.
    @Test func theRecipePrintsEveryPhase() throws {
        let phases: [DemoModelDescription.TrainingPhase] = [
            .init(run: "runs/x", fromStep: 0, toStep: 10, start: "new run, fresh weights (seed 0)", command: "flowstudio train --out runs/x",
                  options: [.init("depth", "4"), .init("lr", "0.0003"), .init("timesteps", "lognorm:0,1")]),
            .init(run: "runs/x", fromStep: 10, toStep: nil, start: nil, command: "not recorded",
                  options: (0..<12).map { .init("option-\($0)", "value") }, note: "reconstructed"),
        ]
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("m.safetensors")
        try Trainer(options: tinyOptions(), directory: dir, resume: false).exportModel(to: url)
        var description = try Self.description(of: url)
        description.training = "flowstudio train --out runs/x --resume (step 20, 80 samples)"
        description.recipe = phases
        let lines = description.trainingLines(width: 60)
        #expect(Array(lines.prefix(7)) == [
            "trained by: flowstudio train --out runs/x --resume (step 20, 80 samples)",
            "training recipe, 2 phases, oldest first (steps count within each run directory):",
            "  1. runs/x, steps 0–10",
            "     start: new run, fresh weights (seed 0)",
            "     command: flowstudio train --out runs/x",
            "     options: depth 4, lr 0.0003, timesteps lognorm:0,1",
            "  2. runs/x, steps 10–not recorded",
        ])
        #expect(lines[7] == "     command: not recorded")
        let options = lines.dropFirst(8).prefix { !$0.hasPrefix("     note") }
        #expect(options.count > 1 && options.allSatisfy { $0.count <= 60 })
        #expect(options.joined(separator: " ").replacingOccurrences(of: "  ", with: "").contains("option-11 value"))
        #expect(lines.last == "     note: reconstructed")
        // The description round-trips through its JSON with the recipe.
        let json = try description.metadataValue()
        #expect(try JSONDecoder().decode(DemoModelDescription.self, from: Data(json.utf8)) == description)
    }
}
