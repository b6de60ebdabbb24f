import FlowCore
import Foundation
import Generation
import Imaging
import Testing
@testable import Studio

/// The whole screen logic (state, keys, worker, encoder, drawing) through `FakeTerminal`.
@Suite struct StudioControllerTests {
    /// A controller running on its own thread, like the UI thread of the real program.
    final class Running: @unchecked Sendable {
        let terminal: FakeTerminal
        let controller: StudioController
        let directory: URL
        private let done = DispatchSemaphore(value: 0)

        init(generator: any ImageGenerator = TestGenerator(), rows: Int = 40, columns: Int = 120,
             preview: PreviewProtocol = .truecolor, live: Bool = false, directory: URL? = nil,
             initial: GenerationSettings? = nil, messages: [StatusMessage] = [], modelPath: String? = nil,
             loadModel: (@Sendable (String) throws -> any ImageGenerator)? = nil) {
            terminal = FakeTerminal(rows: rows, columns: columns)
            self.directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("studio-ui-\(UUID().uuidString)")
            let themes = ThemeLibrary(directories: [ThemeTests.themesFolder])
            controller = StudioController(terminal: terminal, generator: generator, configuration: .init(
                previewProtocol: preview, themes: themes, store: FavoritesStore(directory: self.directory), live: live,
                initialSettings: initial, startupMessages: messages, seed: 3, modelPath: modelPath, loadModel: loadModel))
            let thread = Thread { [self] in
                controller.run()
                done.signal()
            }
            thread.start()
        }

        /// Quits and waits for the loop to end; returns whether it did.
        @discardableResult
        func quit() -> Bool {
            terminal.send(.control("q"))
            return done.wait(timeout: .now() + 20) == .success
        }

        var screen: String { terminal.canvas.text }
    }

    @Test func typeGenerateAndSeeEveryPart() throws {
        let app = Running()
        #expect(app.terminal.waitFor("ready"))
        app.terminal.type("red circle")
        app.terminal.send(.enter)
        #expect(app.terminal.waitFor("done in"))
        let screen = app.screen
        #expect(screen.contains("red circle"))
        #expect(screen.contains("step 4/4"))
        #expect(screen.contains("test-model · truecolor"))
        #expect(screen.contains("Enter generate"))
        // The preview is a half-block overlay inside the preview box.
        #expect(app.terminal.waitUntil { _, overlays in overlays.first?.key == "run1-final" })
        let overlay = try #require(app.terminal.overlays.first)
        let layout = Layout(rows: 40, columns: 120)
        #expect(layout.image.contains(row: overlay.rect.row, column: overlay.rect.column))
        #expect(overlay.rect.bottom <= layout.image.bottom)
        guard case let .lines(lines) = overlay.payload else { Issue.record("expected half blocks"); return }
        #expect(lines.count == overlay.rect.rows)
        #expect(lines[0].contains("▀") && lines[0].contains("\u{1B}[38;2;255;255;0m"))  // the yellow corner
        // Cells under the overlay are left blank for it.
        let canvas = app.terminal.canvas
        #expect(canvas.text(row: overlay.rect.row).dropFirst(overlay.rect.column).prefix(overlay.rect.columns).allSatisfy { $0 == " " })
        #expect(app.quit())
    }

    @Test func saveFavoriteThenRestoreIt() throws {
        let app = Running()
        app.terminal.type("keep me")
        app.terminal.send(.enter)
        #expect(app.terminal.waitFor("done in"))
        app.terminal.send(.control("s"))
        #expect(app.terminal.waitFor("saved favorite"))
        let file = app.directory.appendingPathComponent("favorites.json")
        #expect(try String(contentsOf: file, encoding: .utf8).contains("keep me"))
        app.terminal.send(.control("e"))
        #expect(app.terminal.waitFor("exported"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: app.directory.appendingPathComponent("outputs").path).count == 1)
        // Change the prompt, then restore the favorite.
        app.terminal.send(.control("u"))
        app.terminal.type("other")
        app.terminal.send(.control("f"))
        #expect(app.terminal.waitFor("Favorites (1)"))
        #expect(app.terminal.waitUntil { _, overlays in overlays.first?.key.hasPrefix("favorite-") == true })
        app.terminal.send(.enter)
        #expect(app.terminal.waitFor("restored favorite"))
        #expect(app.screen.contains("keep me"))
        #expect(!app.screen.contains("other"))
        app.quit()
        // A new session reads the favorite back.
        let again = Running(directory: app.directory)
        again.terminal.send(.control("f"))
        #expect(again.terminal.waitFor("keep me"))
        again.terminal.send(.delete)
        #expect(again.terminal.waitFor("Remove favorite?"))
        again.terminal.send(.character("y"))
        #expect(again.terminal.waitFor("Favorites (0)"))
        again.quit()
    }

    /// A favorite that cannot be written stays in this session's list, and quitting asks first.
    @Test func unsavedFavoriteMakesQuitAsk() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("studio-ui-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let blocker = scratch.appendingPathComponent("data")
        try Data("a file where the data folder should be".utf8).write(to: blocker)
        let app = Running(directory: blocker)
        app.terminal.type("keep me")
        app.terminal.send(.enter)
        #expect(app.terminal.waitFor("done in"))
        app.terminal.send(.control("s"))
        #expect(app.terminal.waitFor("favorite not saved to disk"))
        app.terminal.send(.control("f"))
        #expect(app.terminal.waitFor("Favorites (1)"))
        app.terminal.send(.escape)
        app.terminal.send(.control("q"))
        #expect(app.terminal.waitFor("1 favorite was not saved"))
        app.terminal.send(.character("n"))
        #expect(app.terminal.waitFor("not quitting"))
        app.terminal.send(.control("q"))
        #expect(app.terminal.waitFor("Quit?"))
        #expect(app.quit())  // Ctrl-Q again confirms (it works where the question cannot be drawn)
        #expect(try Data(contentsOf: blocker) == Data("a file where the data folder should be".utf8))
    }

    @Test func tinyTerminalAsksForALargerWindowAndResizeRecovers() {
        let app = Running(rows: 10, columns: 40)
        #expect(app.terminal.waitFor("make the window larger"))
        #expect(app.terminal.overlays.isEmpty)
        app.terminal.resize(rows: 30, columns: 90)
        #expect(app.terminal.waitFor("Prompt"))
        #expect(!app.screen.contains("make the window larger"))
        app.terminal.send(.enter)
        #expect(app.terminal.waitFor("done in"))
        // Resizing re-lays out and re-renders the preview at the new size.
        #expect(app.terminal.waitUntil { _, o in !o.isEmpty })
        let before = app.terminal.overlays[0].rect
        let repaints = app.terminal.fullRepaintCount
        app.terminal.resize(rows: 50, columns: 160)
        #expect(app.terminal.waitUntil { _, o in o.first.map { $0.rect != before } ?? false })
        #expect(app.terminal.fullRepaintCount > repaints)
        #expect(app.terminal.overlays[0].rect.bottom < 48)
        app.quit()
    }

    @Test func typingDuringARunIsShownAndLiveRegenerationRestarts() {
        let app = Running(generator: TestGenerator(stepDelay: 0.05), live: true)
        app.terminal.type("a")
        #expect(app.terminal.waitFor("running"))  // live run started after the pause
        app.terminal.type("bc")
        #expect(app.terminal.waitFor("abc"))  // shown while sampling
        #expect(app.terminal.waitFor("done in"))
        app.quit()
        #expect(app.controller.state.run.result?.settings.prompt == "abc")
    }

    @Test func escapeCancelsAndCtrlCQuitsMidRun() {
        let app = Running(generator: TestGenerator(stepDelay: 0.05))
        app.terminal.send(.tab, .tab)
        app.terminal.type("200")
        app.terminal.send(.enter)
        #expect(app.terminal.waitFor("running"))
        app.terminal.send(.escape)
        #expect(app.terminal.waitFor("cancelled after"))
        app.terminal.send(.enter)
        #expect(app.terminal.waitFor("running"))
        app.terminal.send(.control("c"))
        #expect(app.quit())
    }

    @Test func picturesArePacedForASlowTerminalAndTheLastOneArrives() {
        let app = Running(generator: TestGenerator(stepDelay: 0.01))
        app.terminal.overlayWriteSeconds = 0.1  // each picture "takes" 100 ms to draw
        app.terminal.send(.tab, .tab)
        app.terminal.type("30")
        app.terminal.send(.enter)
        #expect(app.terminal.waitFor("done in"))
        #expect(app.terminal.waitUntil { _, o in o.first?.key == "run1-final" })
        // 30 steps in ~0.3 s with pictures spaced ≥ 0.2 s: far fewer pictures than steps.
        #expect(app.terminal.overlaySendCount < 15)
        app.quit()
    }

    @Test func asciiPreviewIsDrawnAsText() {
        let app = Running(preview: .ascii)
        app.terminal.send(.enter)
        #expect(app.terminal.waitFor("done in"))
        #expect(app.terminal.waitFor("%%%%"))  // the bright yellow corner, as characters
        #expect(app.terminal.overlays.isEmpty)
        #expect(app.screen.contains("generated unconditional"))
        app.quit()
    }

    @Test func sixelPreviewIsAnOverlayAboveTheLastRows() throws {
        let app = Running(preview: .sixel)
        app.terminal.send(.enter)
        #expect(app.terminal.waitUntil { _, o in o.first?.key == "run1-final" })
        let overlay = try #require(app.terminal.overlays.first)
        guard case let .sixel(bytes) = overlay.payload else { Issue.record("expected sixel"); return }
        let decoded = try SixelDecoder.decode(bytes)
        #expect(decoded.image.width % 16 == 0)  // a whole multiple of the 16-pixel image
        #expect(overlay.rect.bottom <= 37)
        app.quit()
    }

    @Test func startupMessagesAndHelp() {
        let app = Running(messages: [.error("cannot load --model x.safetensors: no such file")])
        #expect(app.terminal.waitFor("cannot load --model"))
        app.terminal.send(.function(1))
        #expect(app.terminal.waitFor("Keys — any key closes"))
        app.terminal.send(.escape)
        #expect(app.terminal.waitUntil { c, _ in !c.text.contains("Keys — any key closes") })
        app.terminal.send(.control("t"))
        #expect(app.terminal.waitFor("theme: high-contrast"))
        app.quit()
    }

    @Test func aLongMessageTakesTheWholeStatusLine() {
        // 104 columns: more than is left beside the model summary on a 120-column line.
        let long = "cannot load --model /home/someone/models/shapes-7/model.safetensors: not a demo model; using the bundled"
        let app = Running(messages: [.error(long)])
        #expect(app.terminal.waitFor(long))
        #expect(!app.screen.contains("test-model · truecolor"))
        app.quit()
    }

    @Test func unknownWordsShowInTheStatusLine() {
        let app = Running(generator: TestGenerator(unknown: ["dog"]))
        app.terminal.type("a dog")
        #expect(app.terminal.waitFor("word 'dog' is not in this model's vocabulary"))
        app.quit()
    }

    @Test func initialSettingsFromAPNG() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("studio-from-\(UUID().uuidString)")
        let store = FavoritesStore(directory: dir)
        let settings = GenerationSettings(prompt: "from file", negativePrompt: "no", steps: 9, cfgScale: 2, seed: 77, shift: 2,
                                          sampler: .heun, width: 32, height: 32)
        let path = try store.writeImage(RGBImage(width: 4, height: 4), settings: settings, modelName: "m", modelHash: "h", folder: "outputs")
        let restored = try StudioApp.settings(fromPNG: dir.appendingPathComponent(path).path, defaults: TestGenerator().defaultSettings).settings
        #expect(restored == settings)
        let app = Running(initial: restored)
        #expect(app.terminal.waitFor("from file"))
        #expect(app.screen.contains("Heun"))
        #expect(app.screen.contains("32×32"))
        app.quit()
        // A size the model cannot make (an A1111 512×768 image) is said, not dropped silently.
        var large = settings
        (large.width, large.height) = (512, 768)
        let other = Running(initial: large, messages: [.info("settings restored from a.png")])
        #expect(other.terminal.waitFor("this model cannot make 512×768"))
        other.quit()
        // A PNG without the chunk, and a missing file, are refused with the reason.
        try PNG.write(RGBImage(width: 2, height: 2), to: dir.appendingPathComponent("plain.png"))
        #expect(throws: StudioStartError.self) { try StudioApp.settings(fromPNG: dir.appendingPathComponent("plain.png").path, defaults: settings) }
        #expect(throws: StudioStartError.self) { try StudioApp.settings(fromPNG: "/no/such.png", defaults: settings) }
    }
}
