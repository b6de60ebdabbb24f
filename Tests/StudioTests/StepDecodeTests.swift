import FlowCore
import Foundation
import Generation
import Imaging
import Testing
import TestSupport
@testable import Studio

/// Ctrl-D: the step shown is decoded with the model's VAE off the UI thread and replaces that
/// step's preview; the state (reducer) and the controller with its real threads.
@Suite struct StepDecodeTests {
    /// A state whose run `steps` steps long carries latents (each filled with its step index).
    func run(_ s: inout StudioState, steps: Int = 4, finish: Bool = true, latents: Bool = true) {
        _ = s.handle(.enter, now: 0)
        let settings = s.run.settings!
        for i in 0..<steps {
            let image = TestGenerator.picture(step: i, seed: 1, width: 4, height: 4)
            let z = latents ? Tensor(shape: [1, 1, 4, 4], scalars: [Float](repeating: Float(i), count: 16)) : nil
            s.apply(.worker(WorkerEvent(run: s.run.id, kind: .step(GenerationProgress(
                step: i, stepCount: steps, sigma: 1, elapsed: 0, predicted: image, noisy: image, predictedLatents: z)))), now: 0)
        }
        if finish {
            s.apply(.worker(WorkerEvent(run: s.run.id, kind: .finished(GenerationResult(
                image: RGBImage(width: 4, height: 4, fill: .red), settings: settings, seconds: 0.25)))), now: 0)
        }
    }

    func makeState() -> StudioState { StudioState(generator: TestGenerator(latents: .vae), seedSource: SeedSource(seed: 1)) }

    @Test func decodeAfterARunReplacesTheScrubbedStepsPreview() {
        var s = makeState()
        #expect(s.handle(.control("d"), now: 0).isEmpty)
        #expect(s.message?.text.hasPrefix("nothing to decode yet") == true)
        run(&s)
        // The final image is already the VAE's.
        #expect(s.handle(.control("d"), now: 0).isEmpty)
        #expect(s.message?.text.contains("already decoded") == true)
        _ = s.handle(.shiftLeft, now: 0)  // step 3 of 4 (index 2)
        #expect(s.handle(.control("d"), now: 0) == [.decodeStep(run: 1, step: 2)])
        #expect(s.message == .info("decoding step 3 with the VAE…"))
        #expect(s.run.decodingStep == 2)
        // A second press while it decodes does nothing.
        #expect(s.handle(.control("d"), now: 0).isEmpty)
        #expect(s.displayedImage?.key == "run1-step2-predicted")
        let picture = TestGenerator.decodedPicture(step: 2, width: 4, height: 4)
        s.apply(.stepDecoded(run: 1, step: 2, outcome: .decoded(picture, seconds: 12.34)), now: 0)
        #expect(s.message == .info("step 3 decoded in 12.3 s"))
        #expect(s.run.decodingStep == nil)
        #expect(s.displayedImage?.key == "run1-step2-vae")
        #expect(s.displayedImage?.image == picture)
        // Scrubbing away and back shows it again; pressing again says it is done.
        _ = s.handle(.shiftLeft, now: 0)
        #expect(s.displayedImage?.key == "run1-step1-predicted")
        _ = s.handle(.shiftRight, now: 0)
        #expect(s.displayedImage?.image == picture)
        #expect(s.handle(.control("d"), now: 0).isEmpty)
        #expect(s.message == .info("step 3 is already decoded with the VAE"))
        // Ctrl-D works from a text field too (it is not a character).
        s.editor.focus = .prompt
        _ = s.handle(.shiftLeft, now: 0)
        #expect(s.handle(.control("d"), now: 0) == [.decodeStep(run: 1, step: 1)])
        #expect(s.editor.prompt.text.isEmpty)
    }

    @Test func decodeDuringARunShowsTheNewestStepUntilTheNextArrives() {
        var s = makeState()
        run(&s, steps: 2, finish: false)
        #expect(s.handle(.control("d"), now: 0) == [.decodeStep(run: 1, step: 1)])
        let picture = TestGenerator.decodedPicture(step: 1, width: 4, height: 4)
        s.apply(.stepDecoded(run: 1, step: 1, outcome: .decoded(picture, seconds: 1)), now: 0)
        #expect(s.displayedImage?.key == "run1-step1-vae")
        let image = TestGenerator.picture(step: 2, seed: 1, width: 4, height: 4)
        s.apply(.worker(WorkerEvent(run: 1, kind: .step(GenerationProgress(step: 2, stepCount: 4, sigma: 1, elapsed: 0,
                                                                          predicted: image, noisy: image)))), now: 0)
        #expect(s.displayedImage?.key == "run1-step2-predicted")
    }

    @Test func aModelThatCannotDecodeSaysSo() {
        var s = makeState()
        run(&s, latents: false)  // a pixel model: no latents
        _ = s.handle(.shiftLeft, now: 0)
        #expect(s.handle(.control("d"), now: 0).isEmpty)
        #expect(s.message == .warning("this model cannot decode a step with a VAE: it makes pixels directly, so its preview is the picture"))
        // Latents but no VAE: the answer comes back from the decoder.
        var t = makeState()
        run(&t)
        _ = t.handle(.shiftLeft, now: 0)
        #expect(t.handle(.control("d"), now: 0) == [.decodeStep(run: 1, step: 2)])
        t.apply(.stepDecoded(run: 1, step: 2, outcome: .cannotDecode), now: 0)
        #expect(t.message?.text.contains("no VAE") == true)
        #expect(t.run.decodingStep == nil && t.run.decodedFrames.isEmpty)
        #expect(t.displayedImage?.key == "run1-step2-predicted")
        t.apply(.stepDecoded(run: 1, step: 2, outcome: .failed("out of memory")), now: 0)
        #expect(t.message == .error("decoding step 3 failed: out of memory"))
    }

    @Test func anotherStepReplacesThePendingRequest() {
        var s = makeState()
        run(&s)
        _ = s.handle(.shiftLeft, now: 0)
        #expect(s.handle(.control("d"), now: 0) == [.decodeStep(run: 1, step: 2)])
        _ = s.handle(.shiftLeft, now: 0)
        #expect(s.handle(.control("d"), now: 0) == [.decodeStep(run: 1, step: 1)])
        #expect(s.run.decodingStep == 1)
        // Step 3's decode was already running: its picture is kept, and step 2 is still awaited.
        let three = TestGenerator.decodedPicture(step: 2, width: 4, height: 4)
        s.apply(.stepDecoded(run: 1, step: 2, outcome: .decoded(three, seconds: 2)), now: 0)
        #expect(s.message == .info("step 3 decoded in 2.0 s; decoding step 2 with the VAE…"))
        #expect(s.run.decodingStep == 1 && s.run.decodedFrames[2] == three)
    }

    @Test func aResultForAnOlderRunIsDropped() {
        var s = makeState()
        run(&s)
        _ = s.handle(.shiftLeft, now: 0)
        _ = s.handle(.control("d"), now: 0)
        run(&s)  // run 2
        #expect(s.run.decodingStep == nil)
        s.apply(.stepDecoded(run: 1, step: 2, outcome: .decoded(RGBImage(width: 4, height: 4, fill: .red), seconds: 1)), now: 0)
        #expect(s.run.decodedFrames.isEmpty)
        #expect(s.message?.text.hasPrefix("done") == true)
    }

    // MARK: The controller, with its threads

    typealias Running = StudioControllerTests.Running

    /// Waits until the preview overlay shows `key`.
    func waitForOverlay(_ app: Running, _ key: String) -> Bool {
        app.terminal.waitUntil { _, overlays in overlays.first?.key == key }
    }

    @Test func ctrlDDecodesTheScrubbedStepOffTheUIThread() {
        let generator = TestGenerator(latents: .vae, decodeDelay: 0.3)
        let app = Running(generator: generator)
        app.terminal.send(.enter)
        #expect(app.terminal.waitFor("done in"))
        app.terminal.send(.shiftLeft, .shiftLeft)  // step 2 of 4
        #expect(waitForOverlay(app, "run1-step1-predicted"))
        app.terminal.send(.control("d"))
        #expect(app.terminal.waitFor("decoding step 2 with the VAE"))
        app.terminal.send(.control("d"))  // does nothing while it decodes
        app.terminal.type("a cat")  // the UI answers keys meanwhile
        #expect(app.terminal.waitFor("a cat"))
        #expect(app.terminal.waitFor("step 2 decoded in"))
        #expect(waitForOverlay(app, "run1-step1-vae"))
        #expect(generator.decodedSteps == [1])
        #expect(app.quit())
    }

    @Test func latestWinsAndAResultAfterANewRunIsDropped() {
        let generator = TestGenerator(latents: .vae, decodeDelay: 0.5)
        let app = Running(generator: generator)
        app.terminal.send(.enter)
        #expect(app.terminal.waitFor("done in"))
        // Three steps asked for at once: the first starts, the second is replaced by the third.
        app.terminal.send(.shiftLeft, .control("d"), .shiftLeft, .control("d"), .shiftLeft, .control("d"))
        #expect(app.terminal.waitFor("step 1 decoded in"))
        #expect(waitForOverlay(app, "run1-step0-vae"))
        #expect(generator.decodedSteps.count <= 2 && generator.decodedSteps.last == 0)
        // A decode still going when a new run starts: its picture never shows.
        app.terminal.send(.shiftRight, .control("d"))
        #expect(app.terminal.waitFor("decoding step 2 with the VAE"))
        #expect(app.terminal.waitUntil { _, _ in generator.decodedSteps.last == 1 })  // it has started
        app.terminal.send(.enter)
        #expect(app.terminal.waitFor("done in"))
        let asked = generator.decodedSteps.count
        #expect(app.terminal.waitUntil { _, _ in generator.finishedDecodes == asked })
        Thread.sleep(forTimeInterval: 0.2)  // its result reaches the UI (now on run 2), which drops it
        app.terminal.send(.control("l"))
        #expect(waitForOverlay(app, "run2-final"))
        #expect(!app.screen.contains("step 2 decoded"))
        #expect(app.quit())
    }

    /// The real tiny SD3 model (random weights, tests/Reference/fixtures/sd3-tiny): the picture
    /// shown for the decoded step is its VAE's decode of that step's x̂₀.
    @Test func theTinySD3ModelsVAEDecodesAStepInTheStudio() throws {
        let loaded = try Generation.ModelLoader.load(SD3ModelPaths(model: ReferenceFixtures.url("sd3-tiny")))
        let pipeline = try #require(loaded.generator as? SD3Pipeline)
        var settings = pipeline.defaultSettings  // 64×64
        settings.steps = 3
        settings.prompt = "a red apple"
        let app = Running(generator: pipeline, initial: settings)
        app.terminal.send(.enter)
        #expect(app.terminal.waitFor("done in"))
        app.terminal.send(.shiftLeft, .control("d"))  // step 2 of 3
        #expect(app.terminal.waitFor("step 2 decoded in"))
        #expect(waitForOverlay(app, "run1-step1-vae"))
        #expect(app.quit())
        let run = app.controller.state.run  // the UI thread has ended
        let latents = try #require(run.frames[1].predictedLatents)
        #expect(latents.shape == [1, 16, 8, 8])
        let decoded = try #require(run.decodedFrames[1])
        #expect(decoded == (try pipeline.decodeLatents(latents)))
        #expect(decoded.width == 64 && decoded.height == 64 && decoded != run.frames[1].predicted)
    }

    @Test func aModelWithoutAVAESaysSoThroughTheController() {
        let app = Running(generator: TestGenerator(latents: .noVAE))
        app.terminal.send(.enter)
        #expect(app.terminal.waitFor("done in"))
        app.terminal.send(.shiftLeft, .control("d"))
        #expect(app.terminal.waitFor("no VAE"))
        let pixels = Running(generator: TestGenerator())
        pixels.terminal.send(.enter)
        #expect(pixels.terminal.waitFor("done in"))
        pixels.terminal.send(.shiftLeft, .control("d"))
        #expect(pixels.terminal.waitFor("cannot decode"))
        #expect(app.quit() && pixels.quit())
    }
}
