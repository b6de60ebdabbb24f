import FlowCore
import Foundation
import Generation
import Imaging
import Testing
import TestSupport
@testable import Studio

/// Ctrl-S / Ctrl-E while a step decoded with the VAE (Ctrl-D) is on screen save that picture,
/// its `parameters` chunk saying which step it is (`Step: N/STEPS`).
@Suite struct DecodedStepSaveTests {
    let steps = StepDecodeTests()

    func decodedState(finish: Bool = true) -> StudioState {
        var s = steps.makeState()
        steps.run(&s, finish: finish)
        if finish { _ = s.handle(.shiftLeft, now: 0) }  // step 3 of 4 (index 2); a cancelled run shows its newest step
        let index = finish ? 2 : 3
        #expect(s.handle(.control("d"), now: 0) == [.decodeStep(run: 1, step: index)])
        s.apply(.stepDecoded(run: 1, step: index, outcome: .decoded(TestGenerator.decodedPicture(step: index, width: 4, height: 4),
                                                                      seconds: 1)), now: 0)
        return s
    }

    @Test func ctrlSOnADecodedStepSavesThatStep() {
        var s = decodedState()
        #expect(s.displayedDecodedStep == 2)
        #expect(s.handle(.control("s"), now: 0) == [.saveDecodedStep(run: 1, step: 2, favorite: true)])
        #expect(s.handle(.control("e"), now: 0) == [.saveDecodedStep(run: 1, step: 2, favorite: false)])
        // Scrubbed to a step not decoded, or back to the result: the usual save of the final image.
        _ = s.handle(.shiftLeft, now: 0)
        #expect(s.displayedDecodedStep == nil)
        #expect(s.handle(.control("s"), now: 0) == [.saveFavorite])
        _ = s.handle(.shiftRight, now: 0)
        _ = s.handle(.shiftRight, now: 0)
        #expect(s.displayedDecodedStep == nil && s.displayedImage?.key == "run1-final")
        #expect(s.handle(.control("s"), now: 0) == [.saveFavorite])
        // The favorites list shows favorites, not the run: nothing decoded is "on screen" there.
        _ = s.handle(.shiftLeft, now: 0)
        #expect(s.displayedDecodedStep == 2)
        s.overlay.mode = .favorites
        #expect(s.displayedDecodedStep == nil)
    }

    /// A cancelled run has no final image to save, but a decoded step of it can be saved.
    @Test func aCancelledRunsDecodedStepCanBeSaved() {
        var s = decodedState(finish: false)
        s.apply(.worker(WorkerEvent(run: 1, kind: .cancelled(stepsDone: 4))), now: 0)
        #expect(s.run.result == nil)
        #expect(s.displayedDecodedStep == 3)
        #expect(s.handle(.control("s"), now: 0) == [.saveDecodedStep(run: 1, step: 3, favorite: true)])
    }

    @Test func theParametersSayWhichStep() throws {
        var settings = TestGenerator().defaultSettings
        settings.steps = 28
        settings.prompt = "a red apple"
        let parameters = FavoritesStore.parameters(settings: settings, modelName: "m", modelHash: "h", decodedStep: 12)
        #expect(parameters["Step"] == "12/28")
        #expect(parameters["Steps"] == "28")
        let keys = parameters.fields.map(\.key)
        #expect(keys.firstIndex(of: "Step") == keys.firstIndex(of: "Shift")! + 1)
        #expect(parameters.encoded.hasSuffix("Shift: \(SettingText.exact(settings.shift)), Step: 12/28, Version: flowstudio"))
        // Read back (FlowStudio's parser, A1111's rules): the settings are the run's, the step is kept.
        let read = try A1111Parameters(parsing: parameters.encoded)
        #expect(read["Step"] == "12/28")
        #expect(try read.settings(defaults: TestGenerator().defaultSettings).settings == settings)
        // A finished image has no Step field.
        #expect(FavoritesStore.parameters(settings: settings, modelName: "m", modelHash: "h")["Step"] == nil)
    }

    typealias Running = StudioControllerTests.Running

    /// The controller with its threads: Ctrl-D, then Ctrl-S and Ctrl-E write the decoded picture
    /// (not the preview, not the final image) with `Step: 3/4`; the favorite records the step.
    @Test func theControllerWritesTheDecodedPictureWithItsStep() throws {
        let generator = TestGenerator(latents: .vae)
        let app = Running(generator: generator)
        app.terminal.type("keep this step")
        app.terminal.send(.enter)
        #expect(app.terminal.waitFor("done in"))
        app.terminal.send(.shiftLeft, .control("d"))
        #expect(app.terminal.waitFor("step 3 decoded in"))
        app.terminal.send(.control("s"))
        #expect(app.terminal.waitFor("saved favorite (step 3 of 4, decoded with the VAE)"))
        app.terminal.send(.control("e"))
        #expect(app.terminal.waitFor("exported"))
        #expect(app.quit())

        let state = app.controller.state
        let decoded = try #require(state.run.decodedFrames[2])
        let entry = try #require(state.library.favorites.last)
        #expect(entry.decodedStep == 3)
        #expect(entry.settings == state.run.settings)
        for path in [try #require(entry.imagePath), try exportedFile(in: app.directory)] {
            let png = try PNG.read(from: app.directory.appendingPathComponent(path))
            #expect(png.image == decoded)
            #expect(png.image != state.run.result?.image)
            let parameters = try A1111Parameters(parsing: try #require(png.text["parameters"]))
            #expect(parameters.prompt == "keep this step")
            #expect(parameters["Step"] == "3/4")
            #expect(parameters["Steps"] == "4")
        }
        // The favorites file keeps the step; reading it back gives the same entry.
        let (entries, warning) = FavoritesStore(directory: app.directory).load()
        #expect(warning == nil && entries.last?.id == entry.id && entries.last?.decodedStep == 3)
    }

    func exportedFile(in directory: URL) throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("outputs").path)
        return "outputs/" + (try #require(names.first { $0.hasSuffix(".png") }))
    }
}
