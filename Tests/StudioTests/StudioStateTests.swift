import FlowCore
import Generation
import Imaging
import RectifiedFlow
import Testing
@testable import Studio

@Suite struct StudioStateTests {
    func makeState(live: Bool = false) -> StudioState {
        StudioState(generator: TestGenerator(), live: live, seedSource: SeedSource(seed: 1))
    }

    func type(_ text: String, into state: inout StudioState, now: Double = 0) -> [StudioEffect] {
        var effects: [StudioEffect] = []
        for c in text { effects += state.handle(.character(c), now: now) }
        return effects
    }

    @Test func startsFromTheModelsDefaults() {
        let s = makeState()
        #expect(s.settings == TestGenerator().defaultSettings)
        #expect(s.editor.focus == .prompt)
        #expect(s.overlay.mode == .main)
    }

    @Test func theNoiseSourceComesFromTheInitialSettingsAndFromRestoredEntries() {
        var torch = TestGenerator().defaultSettings
        torch.noise = .torch
        var s = StudioState(generator: TestGenerator(), live: false, seedSource: SeedSource(seed: 1), initialSettings: torch)
        #expect(s.settings.noise == .torch)
        _ = s.restore(TestGenerator().defaultSettings)
        #expect(s.settings.noise == .philox)
        _ = s.restore(torch)
        #expect(s.settings.noise == .torch)
    }

    @Test func typingEditsThePromptAndEnterGenerates() {
        var s = makeState()
        _ = type("red circle", into: &s)
        #expect(s.editor.prompt.text == "red circle")
        let effects = s.handle(.enter, now: 0)
        var expected = TestGenerator().defaultSettings
        expected.prompt = "red circle"
        #expect(effects == [.generate(expected, run: 1)])
        #expect(s.isRunning)
        #expect(s.message == nil)
    }

    @Test func emptyPromptGeneratesUnconditionallyAndSaysSo() {
        var s = makeState()
        let effects = s.handle(.enter, now: 0)
        #expect(effects.count == 1)
        #expect(s.message?.text.contains("unconditionally") == true)
    }

    @Test func unknownWordsAreShown() {
        var s = makeState()
        s.apply(.ignoredWordsFound(IgnoredWords(unknown: ["dog"])), now: 0)
        #expect(s.message == .warning("word 'dog' is not in this model's vocabulary"))
        _ = s.handle(.enter, now: 0)
        s.apply(.worker(WorkerEvent(run: 1, kind: .finished(GenerationResult(image: RGBImage(width: 2, height: 2), settings: s.run.settings!, seconds: 0.5)))), now: 0)
        #expect(s.message?.text.hasPrefix("done in 0.50s") == true)
        #expect(s.message?.text.contains("'dog'") == true)
        s.apply(.ignoredWordsFound(IgnoredWords()), now: 0)
        #expect(s.editor.ignoredWords.isEmpty)
        s.apply(.ignoredWordsFound(IgnoredWords(unknown: ["cat", "dog"], pastLimit: ["and", "a", "red", "b", "c", "d"])), now: 0)
        #expect(s.message == .warning("words 'cat', 'dog' are not in this model's vocabulary; the prompt is longer than this model reads: 'and', 'a', 'red', 'b', 'c', … are ignored"))
        s.apply(.ignoredWordsFound(IgnoredWords()), now: 0)
        #expect(s.message == nil)
        s.apply(.ignoredWordsFound(IgnoredWords(unknown: ["big", "next", "big", "to", "next"], pastLimit: ["a", "a"])), now: 0)
        #expect(s.message == .warning("words 'big', 'next', 'to' are not in this model's vocabulary; the prompt is longer than this model reads: 'a' is ignored"))
    }

    @Test func tabCyclesThroughEveryField() {
        var s = makeState()
        var seen: [StudioField] = []
        for _ in StudioField.allCases {
            seen.append(s.editor.focus)
            _ = s.handle(.tab, now: 0)
        }
        #expect(seen == StudioField.allCases)
        #expect(s.editor.focus == .prompt)
        _ = s.handle(.backTab, now: 0)
        #expect(s.editor.focus == .live)
    }

    @Test func numericFieldsAcceptTypedValues() {
        var s = makeState()
        s.editor.focus = .steps
        _ = type("30", into: &s)
        #expect(s.editor.fieldInput == "30")
        #expect(s.editor.steps == 4)  // not yet accepted
        _ = s.handle(.tab, now: 0)
        #expect(s.editor.steps == 30)
        #expect(s.editor.fieldInput == nil)
        #expect(s.editor.focus == .cfg)
    }

    @Test func outOfRangeValuesAreRefusedWithTheReason() {
        var s = makeState()
        s.editor.focus = .steps
        _ = type("0", into: &s)
        #expect(s.handle(.enter, now: 0).isEmpty)  // no generation
        #expect(s.editor.steps == 4)
        #expect(s.editor.fieldInput == "0")  // kept for correcting
        #expect(s.message == .error("steps must be in 1…1000; 0 is out of range"))
        _ = s.handle(.tab, now: 0)
        #expect(s.editor.focus == .steps)  // cannot leave with a refused value
        _ = s.handle(.escape, now: 0)
        #expect(s.editor.fieldInput == nil)
        #expect(s.editor.steps == 4)

        s.editor.focus = .cfg
        _ = type("99", into: &s)
        do { let r = s.commitInput(); #expect(!r) }
        #expect(s.message?.text.contains("CFG scale must be in 0…50") == true)
        _ = s.handle(.escape, now: 0)

        s.editor.focus = .shift
        _ = type("0", into: &s)
        do { let r = s.commitInput(); #expect(!r) }
        _ = s.handle(.escape, now: 0)

        s.editor.focus = .seed
        _ = s.handle(.character("x"), now: 0)
        #expect(s.editor.fieldInput == nil)
        #expect(s.message?.text.contains("takes a number") == true)
        _ = type("18446744073709551615", into: &s)
        do { let r = s.commitInput(); #expect(r) }
        #expect(s.editor.seed == UInt64.max)
        _ = type("18446744073709551616", into: &s)
        do { let r = s.commitInput(); #expect(!r) }
    }

    @Test func plusMinusAndArrowsAdjust() {
        var s = makeState()
        s.editor.focus = .steps
        _ = s.handle(.character("+"), now: 0)
        _ = s.handle(.up, now: 0)
        #expect(s.editor.steps == 6)
        _ = s.handle(.character("-"), now: 0)
        #expect(s.editor.steps == 5)
        s.editor.steps = 1
        _ = s.handle(.down, now: 0)
        #expect(s.editor.steps == 1)  // clamped
        s.editor.focus = .cfg
        _ = s.handle(.up, now: 0)
        #expect(s.editor.cfgScale == 3.5)
        s.editor.focus = .sampler
        _ = s.handle(.character(" "), now: 0)
        #expect(s.editor.sampler == .heun)
        s.editor.focus = .size
        _ = s.handle(.up, now: 0)
        #expect(s.settings.width == 32)
        s.editor.focus = .seedMode
        _ = s.handle(.up, now: 0)
        #expect(s.editor.seedMode == .random)
        s.editor.focus = .preview
        _ = s.handle(.up, now: 0)
        #expect(s.editor.previewSource == .noisy)
        s.editor.focus = .live
        _ = s.handle(.up, now: 0)
        #expect(s.editor.live == true)
    }

    /// "-1" typed into a numeric field is a signed number (refused with the reason when out of
    /// range), not one step down followed by a 1; "--" is still two steps down.
    @Test func aTypedSignStartsANumber() {
        var s = makeState()
        s.editor.focus = .cfg
        let before = s.editor.cfgScale
        _ = type("-1", into: &s)
        #expect(s.editor.cfgScale == before && s.editor.fieldInput == "-1")
        #expect(s.handle(.enter, now: 0).isEmpty)
        #expect(s.message?.text.contains("CFG scale must be in 0…50") == true)
        _ = s.handle(.escape, now: 0)
        s.editor.focus = .steps
        _ = type("--", into: &s)
        #expect(s.editor.steps == 2 && s.editor.fieldInput == nil)
        _ = type("+7", into: &s)
        #expect(s.editor.steps == 2 && s.editor.fieldInput == "+7")
        do { let r = s.commitInput(); #expect(r) }
        #expect(s.editor.steps == 7)
        _ = s.handle(.character("-"), now: 0)
        _ = s.handle(.tab, now: 0)  // another key in between: the step down stays
        s.editor.focus = .steps
        _ = type("5", into: &s)
        #expect(s.editor.steps == 6 && s.editor.fieldInput == "5")
        do { let r = s.commitInput(); #expect(r) }
        // A digit long after the sign is a new value, and so is a digit after a live run started.
        _ = s.handle(.character("-"), now: 10)
        _ = s.handle(.character("7"), now: 11)
        #expect(s.editor.steps == 4 && s.editor.fieldInput == "7")
        _ = s.handle(.escape, now: 11)
        s.editor.live = true
        _ = s.handle(.character("-"), now: 20)
        #expect(!s.tick(now: 20 + s.editor.livePause).isEmpty)
        _ = s.handle(.character("7"), now: 20.4)
        #expect(s.editor.steps == 3 && s.editor.fieldInput == "7")
        _ = s.handle(.escape, now: 21)
        // "12-5": the typed 12 is taken, then one step down, then a new value.
        s.editor.live = false
        _ = type("12-5", into: &s)
        #expect(s.editor.steps == 11 && s.editor.fieldInput == "5")
    }

    /// A model with one size: the size field says so instead of re-running for nothing.
    @Test func aFixedSizeCannotChange() {
        var s = makeState(live: true)
        s.editor.supportedSizes = [s.editor.supportedSizes[0]]
        s.editor.sizeIndex = 0
        s.editor.focus = .size
        for key in [Key.up, .character("+"), .character("-"), .character("1")] {
            #expect(s.handle(key, now: 0).isEmpty)
            #expect(s.editor.liveDeadline == nil)
            #expect(s.message?.text.contains("the size cannot change") == true)
        }
    }

    @Test func backspaceEditsTheShownValue() {
        var s = makeState()
        s.editor.focus = .steps
        s.editor.steps = 28
        _ = s.handle(.backspace, now: 0)
        #expect(s.editor.fieldInput == "2")
        _ = s.handle(.character("5"), now: 0)
        do { let r = s.commitInput(); #expect(r) }
        #expect(s.editor.steps == 25)
    }

    @Test func seedModes() {
        var s = makeState()
        _ = s.handle(.control("r"), now: 0)
        #expect(s.editor.seed != 7)
        #expect(s.editor.seed < 1 << 32)

        s.editor.seed = 10
        s.editor.seedMode = .increment
        _ = s.handle(.enter, now: 0)
        s.apply(.worker(WorkerEvent(run: s.run.id, kind: .finished(GenerationResult(image: RGBImage(width: 1, height: 1), settings: s.run.settings!, seconds: 0)))), now: 0)
        #expect(s.editor.seed == 11)
        #expect(s.library.history.last?.settings.seed == 10)

        s.editor.seedMode = .random
        let effects = s.handle(.enter, now: 0)
        guard case let .generate(settings, _)? = effects.first else { Issue.record("no generate"); return }
        #expect(settings.seed == s.editor.seed)
        #expect(settings.seed != 11)

        s.editor.seedMode = .fixed
        s.editor.seed = 5
        _ = s.handle(.enter, now: 0)
        #expect(s.run.settings?.seed == 5)
    }

    @Test func escapeCancelsARun() {
        var s = makeState()
        _ = s.handle(.enter, now: 0)
        do { let r = s.handle(.escape, now: 0); #expect(r == [.cancel]) }
        s.apply(.worker(WorkerEvent(run: 1, kind: .cancelled(stepsDone: 2))), now: 0)
        #expect(s.run.phase == .cancelled)
        #expect(s.message == .info("cancelled after 2 of 4 steps"))
    }

    @Test func quitKeys() {
        for key in [Key.control("q"), .function(10), .control("c")] {
            var s = makeState()
            do { let r = s.handle(key, now: 0); #expect(r == [.quit]) }
            _ = s.handle(.enter, now: 0)
            do { let r = s.handle(key, now: 0); #expect(r == [.cancel, .quit]) }
        }
    }

    @Test func liveRegenerationWaitsForAPauseAndCancelsTheRun() {
        var s = makeState(live: true)
        do { let r = type("a", into: &s, now: 10); #expect(r.isEmpty) }
        #expect(s.editor.liveDeadline == 10 + s.editor.livePause)
        do { let r = s.tick(now: 10.1); #expect(r.isEmpty) }
        _ = type("b", into: &s, now: 10.2)  // typing again moves the deadline
        do { let r = s.tick(now: 10 + s.editor.livePause + 0.01); #expect(r.isEmpty) }
        let effects = s.tick(now: 10.2 + s.editor.livePause + 0.01)
        #expect(effects.count == 1)
        #expect(s.isRunning)
        // Editing while it runs cancels it at once and schedules the next.
        do { let r = type("c", into: &s, now: 11); #expect(r == [.cancel]) }
        s.apply(.worker(WorkerEvent(run: s.run.id, kind: .cancelled(stepsDone: 1))), now: 11)
        #expect(s.message == nil)  // no "cancelled" noise for live restarts
        do { let r = s.tick(now: 11 + s.editor.livePause); #expect(r.count == 1) }
        // Ctrl-G turns it off.
        _ = s.handle(.control("g"), now: 12)
        _ = type("d", into: &s, now: 12)
        #expect(s.editor.liveDeadline == nil)
    }

    @Test func eventsOfOldRunsAreIgnored() {
        var s = makeState()
        _ = s.handle(.enter, now: 0)
        _ = s.handle(.enter, now: 0)
        let image = RGBImage(width: 1, height: 1)
        s.apply(.worker(WorkerEvent(run: 1, kind: .step(GenerationProgress(step: 0, stepCount: 4, sigma: 1, elapsed: 0, predicted: image, noisy: image)))), now: 0)
        #expect(s.run.frames.isEmpty)
        s.apply(.worker(WorkerEvent(run: 2, kind: .step(GenerationProgress(step: 0, stepCount: 4, sigma: 1, elapsed: 0, predicted: image, noisy: image)))), now: 0)
        #expect(s.run.frames.count == 1)
    }

    func finishedRun(_ s: inout StudioState, steps: Int = 4) {
        _ = s.handle(.enter, now: 0)
        let settings = s.run.settings!
        for i in 0..<steps {
            let image = TestGenerator.picture(step: i, seed: 1, width: 4, height: 4)
            s.apply(.worker(WorkerEvent(run: s.run.id, kind: .step(GenerationProgress(step: i, stepCount: steps, sigma: 1, elapsed: 0, predicted: image, noisy: image)))), now: 0)
        }
        s.apply(.worker(WorkerEvent(run: s.run.id, kind: .finished(GenerationResult(image: RGBImage(width: 4, height: 4, fill: .red), settings: settings, seconds: 0.25)))), now: 0)
    }

    @Test func scrubbingThroughStoredSteps() {
        var s = makeState()
        finishedRun(&s)
        #expect(s.displayedImage?.key == "run1-final")
        s.editor.focus = .steps
        _ = s.handle(.left, now: 0)  // the result is the last step's picture: ← shows the step before
        #expect(s.run.scrubIndex == 2)
        #expect(s.displayedImage?.key == "run1-step2-predicted")
        for _ in 0..<10 { _ = s.handle(.left, now: 0) }
        #expect(s.run.scrubIndex == 0)
        _ = s.handle(.shiftRight, now: 0)
        #expect(s.run.scrubIndex == 1)
        for _ in 0..<10 { _ = s.handle(.right, now: 0) }
        #expect(s.run.scrubIndex == nil)
        #expect(s.displayedImage?.key == "run1-final")
        // In the prompt, ← moves the cursor instead.
        s.editor.focus = .prompt
        _ = s.handle(.left, now: 0)
        #expect(s.run.scrubIndex == nil)
    }

    @Test func historyListRestoresSettings() {
        var s = makeState()
        _ = type("first", into: &s)
        finishedRun(&s)
        s.editor.prompt.setText("second")
        s.editor.steps = 9
        s.editor.seedMode = .random
        do { let r = s.handle(.control("p"), now: 0); #expect(r == [.repaint]) }
        #expect(s.overlay.mode == .history)
        #expect(s.displayedImage?.key == "history-1")
        _ = s.handle(.enter, now: 0)
        #expect(s.overlay.mode == .main)
        #expect(s.editor.prompt.text == "first")
        #expect(s.editor.steps == 4)
        #expect(s.editor.seedMode == .fixed)
    }

    @Test func favoritesListRestoresAndConfirmsDeletion() {
        var s = makeState()
        var settings = s.settings
        settings.prompt = "fav"
        settings.steps = 12
        settings.sampler = .heun
        settings.width = 32
        settings.height = 32
        s.library.favorites = [FavoriteEntry(id: "A", settings: settings, seedMode: .fixed, modelName: "m", modelHash: "h", imagePath: "x.png"),
                       FavoriteEntry(id: "B", settings: s.settings, seedMode: .fixed, modelName: "m", modelHash: "h", imagePath: nil)]
        do { let r = s.handle(.control("f"), now: 0); #expect(r == [.repaint, .loadFavoriteImage("A")]) }
        do { let r = s.handle(.down, now: 0); #expect(r == [.loadFavoriteImage("B")]) }
        _ = s.handle(.up, now: 0)
        _ = s.handle(.delete, now: 0)
        #expect(s.overlay.mode == .confirmDelete(0))
        do { let r = s.handle(.character("n"), now: 0); #expect(r == [.repaint]) }
        #expect(s.overlay.mode == .favorites)
        _ = s.handle(.delete, now: 0)
        do { let r = s.handle(.character("y"), now: 0); #expect(r == [.deleteFavorite("A"), .repaint]) }
        _ = s.handle(.enter, now: 0)
        #expect(s.editor.prompt.text == "fav")
        #expect(s.editor.steps == 12)
        #expect(s.editor.sampler == .heun)
        #expect(s.settings.width == 32)
    }

    @Test func restoringAnUnsupportedSizeWarns() {
        var s = makeState()
        var settings = s.settings
        settings.width = 512
        settings.height = 512
        do { let r = s.restore(settings); #expect(r.count == 1) }
        #expect(s.settings.width == 16)
        #expect(s.message?.text.contains("cannot make 512×512") == true)
    }

    @Test func restoringAnOverlongPromptSaysItWasCut() {
        var s = makeState()
        var settings = s.settings
        settings.prompt = String(repeating: "a red circle ", count: 2000)
        do { let r = s.restore(settings); #expect(r.count == 1) }
        #expect(s.editor.prompt.text.count == s.editor.prompt.maxLength)
        #expect(s.message == .warning("the restored prompt was cut to the editor's \(s.editor.prompt.maxLength) characters"))
    }

    @Test func saveAndExportNeedAnImage() {
        var s = makeState()
        do { let r = s.handle(.control("s"), now: 0); #expect(r.isEmpty) }
        #expect(s.message?.text.contains("nothing to save") == true)
        do { let r = s.handle(.control("e"), now: 0); #expect(r.isEmpty) }
        finishedRun(&s)
        do { let r = s.handle(.control("s"), now: 0); #expect(r == [.saveFavorite]) }
        do { let r = s.handle(.control("e"), now: 0); #expect(r == [.export]) }
        // Not while a run is going, nor after one was cancelled: the screen shows its steps.
        _ = s.handle(.enter, now: 0)
        do { let r = s.handle(.control("s"), now: 0); #expect(r.isEmpty) }
        #expect(s.message?.text.contains("the run is still going") == true)
        s.apply(.worker(WorkerEvent(run: s.run.id, kind: .cancelled(stepsDone: 1))), now: 0)
        do { let r = s.handle(.control("e"), now: 0); #expect(r.isEmpty) }
        #expect(s.message?.text.contains("the last run was cancelled") == true)
    }

    @Test func helpOverlayOpensAndAnyKeyCloses() {
        var s = makeState()
        do { let r = s.handle(.function(1), now: 0); #expect(r == [.repaint]) }
        #expect(s.overlay.mode == .help)
        _ = s.handle(.character("x"), now: 0)
        #expect(s.overlay.mode == .main)
        #expect(s.editor.prompt.text == "")  // the key closed the help, it was not typed
    }

    @Test func pasteKeepsNewlinesInThePromptOnly() {
        var s = makeState()
        _ = s.handle(.paste("line one\nline two"), now: 0)
        #expect(s.editor.prompt.text == "line one\nline two")
        s.editor.focus = .negative
        _ = s.handle(.paste("a\nb"), now: 0)
        #expect(s.editor.negative.text == "a b")
    }

    /// What came of writing a favorite returns as an event; an unsaved one makes quitting ask.
    @Test func favoriteOutcomesAreEvents() {
        var s = makeState()
        finishedRun(&s)
        do { let r = s.handle(.control("s"), now: 0); #expect(r == [.saveFavorite]) }
        let entry = FavoriteEntry(id: "F", settings: s.run.settings!, seedMode: .fixed, modelName: "m", modelHash: "h", imagePath: nil)
        _ = s.apply(.library(.favoriteFailed(entry, image: RGBImage(width: 1, height: 1), reason: "disk full")), now: 0)
        #expect(s.library.favorites.map(\.id) == ["F"])
        #expect(s.library.unsavedFavoriteIDs == ["F"])
        #expect(s.library.favoriteImages["F"] != nil)
        #expect(s.message == .error("favorite not saved to disk, kept for this session only: disk full"))
        do { let r = s.handle(.control("q"), now: 0); #expect(r == [.repaint]) }
        #expect(s.overlay.mode == .confirmQuit)
        _ = s.handle(.character("n"), now: 0)
        #expect(s.overlay.mode == .main)
        var saved = entry
        saved.imagePath = "favorites/f.png"
        _ = s.apply(.library(.favoriteSaved(entries: [saved], file: "/data/favorites/f.png", warning: nil)), now: 0)
        #expect(s.library.unsavedFavoriteIDs.isEmpty)
        #expect(s.message == .info("saved favorite → /data/favorites/f.png"))
        do { let r = s.handle(.control("q"), now: 0); #expect(r == [.quit]) }
    }

    @Test func aRemovedFavoriteMovesTheSelectionAndLoadsTheNextImage() {
        var s = makeState()
        let a = FavoriteEntry(id: "A", settings: s.settings, seedMode: .fixed, modelName: "m", modelHash: "h", imagePath: "a.png")
        let b = FavoriteEntry(id: "B", settings: s.settings, seedMode: .fixed, modelName: "m", modelHash: "h", imagePath: "b.png")
        s.library.favorites = [a, b]
        _ = s.handle(.control("f"), now: 0)
        _ = s.handle(.end, now: 0)
        _ = s.apply(.library(.favoriteImageLoaded(id: "B", image: RGBImage(width: 1, height: 1))), now: 0)
        #expect(s.displayedImage?.key == "favorite-B")
        _ = s.handle(.delete, now: 0)
        do { let r = s.handle(.character("y"), now: 0); #expect(r == [.deleteFavorite("B"), .repaint]) }
        do {
            let r = s.apply(.library(.favoriteRemoved(id: "B", entries: [a], folder: "/data/favorites", warning: nil)), now: 0)
            #expect(r == [.loadFavoriteImage("A")])
        }
        #expect(s.overlay.listSelection == 0)
        #expect(s.message == .info("removed the favorite (its PNG stays in /data/favorites)"))
        do {
            let r = s.apply(.library(.favoriteRemovalFailed(id: "A", reason: "read-only folder")), now: 0)
            #expect(r.isEmpty)
        }
        #expect(s.library.favorites.isEmpty && s.library.unsavedRemovalIDs == ["A"])
        #expect(s.message == .error("read-only folder; removed for this session only"))
    }

    @Test func exportAndThemeOutcomesAreEvents() {
        var s = makeState()
        _ = s.apply(.exported(file: "/data/outputs/x.png"), now: 0)
        #expect(s.message == .info("exported → /data/outputs/x.png"))
        _ = s.apply(.exportFailed(reason: "no room"), now: 0)
        #expect(s.message == .error("no room"))
        _ = s.apply(.themeChanged(name: "light", warning: nil), now: 0)
        #expect(s.themeName == "light" && s.message == .info("theme: light"))
        _ = s.apply(.layoutChanged(promptColumns: 30, negativeColumns: 20), now: 0)
        #expect(s.editor.promptWidth == 30 && s.editor.negativeWidth == 20)
    }

    @Test func failedRunSaysWhy() {
        var s = makeState()
        _ = s.handle(.enter, now: 0)
        s.apply(.worker(WorkerEvent(run: 1, kind: .failed("the latents became NaN"))), now: 0)
        #expect(s.run.phase == .failed)
        #expect(s.message == .error("generation failed: the latents became NaN"))
    }
}

@Suite struct LiveModeTests {
    @Test func liveTurnsItselfOffForSlowModels() {
        var s = StudioState(generator: TestGenerator(), live: true, seedSource: SeedSource(seed: 1))
        _ = s.handle(.enter, now: 0)
        s.apply(.worker(WorkerEvent(run: 1, kind: .finished(GenerationResult(image: RGBImage(width: 1, height: 1), settings: s.run.settings!, seconds: 1)))), now: 0)
        #expect(s.editor.live)
        _ = s.handle(.enter, now: 0)
        s.apply(.worker(WorkerEvent(run: 2, kind: .finished(GenerationResult(image: RGBImage(width: 1, height: 1), settings: s.run.settings!, seconds: 9)))), now: 0)
        #expect(!s.editor.live)
        #expect(s.message?.text.contains("live re-generation is off") == true)
    }
}
