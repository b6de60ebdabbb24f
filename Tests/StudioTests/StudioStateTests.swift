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
        #expect(s.focus == .prompt)
        #expect(s.mode == .main)
    }

    @Test func typingEditsThePromptAndEnterGenerates() {
        var s = makeState()
        _ = type("red circle", into: &s)
        #expect(s.prompt.text == "red circle")
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
        s.setIgnoredWords(IgnoredWords(unknown: ["dog"]))
        #expect(s.message == .warning("word 'dog' is not in this model's vocabulary"))
        _ = s.handle(.enter, now: 0)
        s.apply(WorkerEvent(run: 1, kind: .finished(GenerationResult(image: RGBImage(width: 2, height: 2), settings: s.runSettings!, seconds: 0.5))), now: 0)
        #expect(s.message?.text.hasPrefix("done in 0.50s") == true)
        #expect(s.message?.text.contains("'dog'") == true)
        s.setIgnoredWords(IgnoredWords())
        #expect(s.ignoredWords.isEmpty)
        s.setIgnoredWords(IgnoredWords(unknown: ["cat", "dog"], pastLimit: ["and", "a", "red", "b", "c", "d"]))
        #expect(s.message == .warning("words 'cat', 'dog' are not in this model's vocabulary; the prompt is longer than this model reads: 'and', 'a', 'red', 'b', 'c', … are ignored"))
        s.setIgnoredWords(IgnoredWords())
        #expect(s.message == nil)
        s.setIgnoredWords(IgnoredWords(unknown: ["big", "next", "big", "to", "next"], pastLimit: ["a", "a"]))
        #expect(s.message == .warning("words 'big', 'next', 'to' are not in this model's vocabulary; the prompt is longer than this model reads: 'a' is ignored"))
    }

    @Test func tabCyclesThroughEveryField() {
        var s = makeState()
        var seen: [StudioField] = []
        for _ in StudioField.allCases {
            seen.append(s.focus)
            _ = s.handle(.tab, now: 0)
        }
        #expect(seen == StudioField.allCases)
        #expect(s.focus == .prompt)
        _ = s.handle(.backTab, now: 0)
        #expect(s.focus == .live)
    }

    @Test func numericFieldsAcceptTypedValues() {
        var s = makeState()
        s.focus = .steps
        _ = type("30", into: &s)
        #expect(s.fieldInput == "30")
        #expect(s.steps == 4)  // not yet accepted
        _ = s.handle(.tab, now: 0)
        #expect(s.steps == 30)
        #expect(s.fieldInput == nil)
        #expect(s.focus == .cfg)
    }

    @Test func outOfRangeValuesAreRefusedWithTheReason() {
        var s = makeState()
        s.focus = .steps
        _ = type("0", into: &s)
        #expect(s.handle(.enter, now: 0).isEmpty)  // no generation
        #expect(s.steps == 4)
        #expect(s.fieldInput == "0")  // kept for correcting
        #expect(s.message == .error("steps must be in 1…1000; 0 is out of range"))
        _ = s.handle(.tab, now: 0)
        #expect(s.focus == .steps)  // cannot leave with a refused value
        _ = s.handle(.escape, now: 0)
        #expect(s.fieldInput == nil)
        #expect(s.steps == 4)

        s.focus = .cfg
        _ = type("99", into: &s)
        do { let r = s.commitInput(); #expect(!r) }
        #expect(s.message?.text.contains("CFG scale must be in 0…50") == true)
        _ = s.handle(.escape, now: 0)

        s.focus = .shift
        _ = type("0", into: &s)
        do { let r = s.commitInput(); #expect(!r) }
        _ = s.handle(.escape, now: 0)

        s.focus = .seed
        _ = s.handle(.character("x"), now: 0)
        #expect(s.fieldInput == nil)
        #expect(s.message?.text.contains("takes a number") == true)
        _ = type("18446744073709551615", into: &s)
        do { let r = s.commitInput(); #expect(r) }
        #expect(s.seed == UInt64.max)
        _ = type("18446744073709551616", into: &s)
        do { let r = s.commitInput(); #expect(!r) }
    }

    @Test func plusMinusAndArrowsAdjust() {
        var s = makeState()
        s.focus = .steps
        _ = s.handle(.character("+"), now: 0)
        _ = s.handle(.up, now: 0)
        #expect(s.steps == 6)
        _ = s.handle(.character("-"), now: 0)
        #expect(s.steps == 5)
        s.steps = 1
        _ = s.handle(.down, now: 0)
        #expect(s.steps == 1)  // clamped
        s.focus = .cfg
        _ = s.handle(.up, now: 0)
        #expect(s.cfgScale == 3.5)
        s.focus = .sampler
        _ = s.handle(.character(" "), now: 0)
        #expect(s.sampler == .heun)
        s.focus = .size
        _ = s.handle(.up, now: 0)
        #expect(s.settings.width == 32)
        s.focus = .seedMode
        _ = s.handle(.up, now: 0)
        #expect(s.seedMode == .random)
        s.focus = .preview
        _ = s.handle(.up, now: 0)
        #expect(s.previewSource == .noisy)
        s.focus = .live
        _ = s.handle(.up, now: 0)
        #expect(s.live == true)
    }

    /// "-1" typed into a numeric field is a signed number (refused with the reason when out of
    /// range), not one step down followed by a 1; "--" is still two steps down.
    @Test func aTypedSignStartsANumber() {
        var s = makeState()
        s.focus = .cfg
        let before = s.cfgScale
        _ = type("-1", into: &s)
        #expect(s.cfgScale == before && s.fieldInput == "-1")
        #expect(s.handle(.enter, now: 0).isEmpty)
        #expect(s.message?.text.contains("CFG scale must be in 0…50") == true)
        _ = s.handle(.escape, now: 0)
        s.focus = .steps
        _ = type("--", into: &s)
        #expect(s.steps == 2 && s.fieldInput == nil)
        _ = type("+7", into: &s)
        #expect(s.steps == 2 && s.fieldInput == "+7")
        do { let r = s.commitInput(); #expect(r) }
        #expect(s.steps == 7)
        _ = s.handle(.character("-"), now: 0)
        _ = s.handle(.tab, now: 0)  // another key in between: the step down stays
        s.focus = .steps
        _ = type("5", into: &s)
        #expect(s.steps == 6 && s.fieldInput == "5")
        do { let r = s.commitInput(); #expect(r) }
        // A digit long after the sign is a new value, and so is a digit after a live run started.
        _ = s.handle(.character("-"), now: 10)
        _ = s.handle(.character("7"), now: 11)
        #expect(s.steps == 4 && s.fieldInput == "7")
        _ = s.handle(.escape, now: 11)
        s.live = true
        _ = s.handle(.character("-"), now: 20)
        #expect(!s.tick(now: 20 + s.livePause).isEmpty)
        _ = s.handle(.character("7"), now: 20.4)
        #expect(s.steps == 3 && s.fieldInput == "7")
        _ = s.handle(.escape, now: 21)
        // "12-5": the typed 12 is taken, then one step down, then a new value.
        s.live = false
        _ = type("12-5", into: &s)
        #expect(s.steps == 11 && s.fieldInput == "5")
    }

    /// A model with one size: the size field says so instead of re-running for nothing.
    @Test func aFixedSizeCannotChange() {
        var s = makeState(live: true)
        s.supportedSizes = [s.supportedSizes[0]]
        s.sizeIndex = 0
        s.focus = .size
        for key in [Key.up, .character("+"), .character("-"), .character("1")] {
            #expect(s.handle(key, now: 0).isEmpty)
            #expect(s.liveDeadline == nil)
            #expect(s.message?.text.contains("the size cannot change") == true)
        }
    }

    @Test func backspaceEditsTheShownValue() {
        var s = makeState()
        s.focus = .steps
        s.steps = 28
        _ = s.handle(.backspace, now: 0)
        #expect(s.fieldInput == "2")
        _ = s.handle(.character("5"), now: 0)
        do { let r = s.commitInput(); #expect(r) }
        #expect(s.steps == 25)
    }

    @Test func seedModes() {
        var s = makeState()
        _ = s.handle(.control("r"), now: 0)
        #expect(s.seed != 7)
        #expect(s.seed < 1 << 32)

        s.seed = 10
        s.seedMode = .increment
        _ = s.handle(.enter, now: 0)
        s.apply(WorkerEvent(run: s.runID, kind: .finished(GenerationResult(image: RGBImage(width: 1, height: 1), settings: s.runSettings!, seconds: 0))), now: 0)
        #expect(s.seed == 11)
        #expect(s.history.last?.settings.seed == 10)

        s.seedMode = .random
        let effects = s.handle(.enter, now: 0)
        guard case let .generate(settings, _)? = effects.first else { Issue.record("no generate"); return }
        #expect(settings.seed == s.seed)
        #expect(settings.seed != 11)

        s.seedMode = .fixed
        s.seed = 5
        _ = s.handle(.enter, now: 0)
        #expect(s.runSettings?.seed == 5)
    }

    @Test func escapeCancelsARun() {
        var s = makeState()
        _ = s.handle(.enter, now: 0)
        do { let r = s.handle(.escape, now: 0); #expect(r == [.cancel]) }
        s.apply(WorkerEvent(run: 1, kind: .cancelled(stepsDone: 2)), now: 0)
        #expect(s.runPhase == .cancelled)
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
        #expect(s.liveDeadline == 10 + s.livePause)
        do { let r = s.tick(now: 10.1); #expect(r.isEmpty) }
        _ = type("b", into: &s, now: 10.2)  // typing again moves the deadline
        do { let r = s.tick(now: 10 + s.livePause + 0.01); #expect(r.isEmpty) }
        let effects = s.tick(now: 10.2 + s.livePause + 0.01)
        #expect(effects.count == 1)
        #expect(s.isRunning)
        // Editing while it runs cancels it at once and schedules the next.
        do { let r = type("c", into: &s, now: 11); #expect(r == [.cancel]) }
        s.apply(WorkerEvent(run: s.runID, kind: .cancelled(stepsDone: 1)), now: 11)
        #expect(s.message == nil)  // no "cancelled" noise for live restarts
        do { let r = s.tick(now: 11 + s.livePause); #expect(r.count == 1) }
        // Ctrl-G turns it off.
        _ = s.handle(.control("g"), now: 12)
        _ = type("d", into: &s, now: 12)
        #expect(s.liveDeadline == nil)
    }

    @Test func eventsOfOldRunsAreIgnored() {
        var s = makeState()
        _ = s.handle(.enter, now: 0)
        _ = s.handle(.enter, now: 0)
        let image = RGBImage(width: 1, height: 1)
        s.apply(WorkerEvent(run: 1, kind: .step(GenerationProgress(step: 0, stepCount: 4, sigma: 1, elapsed: 0, predicted: image, noisy: image))), now: 0)
        #expect(s.frames.isEmpty)
        s.apply(WorkerEvent(run: 2, kind: .step(GenerationProgress(step: 0, stepCount: 4, sigma: 1, elapsed: 0, predicted: image, noisy: image))), now: 0)
        #expect(s.frames.count == 1)
    }

    func finishedRun(_ s: inout StudioState, steps: Int = 4) {
        _ = s.handle(.enter, now: 0)
        let settings = s.runSettings!
        for i in 0..<steps {
            let image = TestGenerator.picture(step: i, seed: 1, width: 4, height: 4)
            s.apply(WorkerEvent(run: s.runID, kind: .step(GenerationProgress(step: i, stepCount: steps, sigma: 1, elapsed: 0, predicted: image, noisy: image))), now: 0)
        }
        s.apply(WorkerEvent(run: s.runID, kind: .finished(GenerationResult(image: RGBImage(width: 4, height: 4, fill: .red), settings: settings, seconds: 0.25))), now: 0)
    }

    @Test func scrubbingThroughStoredSteps() {
        var s = makeState()
        finishedRun(&s)
        #expect(s.displayedImage?.key == "run1-final")
        s.focus = .steps
        _ = s.handle(.left, now: 0)  // the result is the last step's picture: ← shows the step before
        #expect(s.scrubIndex == 2)
        #expect(s.displayedImage?.key == "run1-step2-predicted")
        for _ in 0..<10 { _ = s.handle(.left, now: 0) }
        #expect(s.scrubIndex == 0)
        _ = s.handle(.shiftRight, now: 0)
        #expect(s.scrubIndex == 1)
        for _ in 0..<10 { _ = s.handle(.right, now: 0) }
        #expect(s.scrubIndex == nil)
        #expect(s.displayedImage?.key == "run1-final")
        // In the prompt, ← moves the cursor instead.
        s.focus = .prompt
        _ = s.handle(.left, now: 0)
        #expect(s.scrubIndex == nil)
    }

    @Test func historyListRestoresSettings() {
        var s = makeState()
        _ = type("first", into: &s)
        finishedRun(&s)
        s.prompt.setText("second")
        s.steps = 9
        s.seedMode = .random
        do { let r = s.handle(.control("p"), now: 0); #expect(r == [.repaint]) }
        #expect(s.mode == .history)
        #expect(s.displayedImage?.key == "history-1")
        _ = s.handle(.enter, now: 0)
        #expect(s.mode == .main)
        #expect(s.prompt.text == "first")
        #expect(s.steps == 4)
        #expect(s.seedMode == .fixed)
    }

    @Test func favoritesListRestoresAndConfirmsDeletion() {
        var s = makeState()
        var settings = s.settings
        settings.prompt = "fav"
        settings.steps = 12
        settings.sampler = .heun
        settings.width = 32
        settings.height = 32
        s.favorites = [FavoriteEntry(id: "A", settings: settings, seedMode: .fixed, modelName: "m", modelHash: "h", imagePath: "x.png"),
                       FavoriteEntry(id: "B", settings: s.settings, seedMode: .fixed, modelName: "m", modelHash: "h", imagePath: nil)]
        do { let r = s.handle(.control("f"), now: 0); #expect(r == [.repaint, .loadFavoriteImage("A")]) }
        do { let r = s.handle(.down, now: 0); #expect(r == [.loadFavoriteImage("B")]) }
        _ = s.handle(.up, now: 0)
        _ = s.handle(.delete, now: 0)
        #expect(s.mode == .confirmDelete(0))
        do { let r = s.handle(.character("n"), now: 0); #expect(r == [.repaint]) }
        #expect(s.mode == .favorites)
        _ = s.handle(.delete, now: 0)
        do { let r = s.handle(.character("y"), now: 0); #expect(r == [.deleteFavorite("A"), .repaint]) }
        _ = s.handle(.enter, now: 0)
        #expect(s.prompt.text == "fav")
        #expect(s.steps == 12)
        #expect(s.sampler == .heun)
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
        #expect(s.prompt.text.count == s.prompt.maxLength)
        #expect(s.message == .warning("the restored prompt was cut to the editor's \(s.prompt.maxLength) characters"))
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
        s.apply(WorkerEvent(run: s.runID, kind: .cancelled(stepsDone: 1)), now: 0)
        do { let r = s.handle(.control("e"), now: 0); #expect(r.isEmpty) }
        #expect(s.message?.text.contains("the last run was cancelled") == true)
    }

    @Test func helpOverlayOpensAndAnyKeyCloses() {
        var s = makeState()
        do { let r = s.handle(.function(1), now: 0); #expect(r == [.repaint]) }
        #expect(s.mode == .help)
        _ = s.handle(.character("x"), now: 0)
        #expect(s.mode == .main)
        #expect(s.prompt.text == "")  // the key closed the help, it was not typed
    }

    @Test func pasteKeepsNewlinesInThePromptOnly() {
        var s = makeState()
        _ = s.handle(.paste("line one\nline two"), now: 0)
        #expect(s.prompt.text == "line one\nline two")
        s.focus = .negative
        _ = s.handle(.paste("a\nb"), now: 0)
        #expect(s.negative.text == "a b")
    }

    @Test func failedRunSaysWhy() {
        var s = makeState()
        _ = s.handle(.enter, now: 0)
        s.apply(WorkerEvent(run: 1, kind: .failed("the latents became NaN")), now: 0)
        #expect(s.runPhase == .failed)
        #expect(s.message == .error("generation failed: the latents became NaN"))
    }
}

@Suite struct LiveModeTests {
    @Test func liveTurnsItselfOffForSlowModels() {
        var s = StudioState(generator: TestGenerator(), live: true, seedSource: SeedSource(seed: 1))
        _ = s.handle(.enter, now: 0)
        s.apply(WorkerEvent(run: 1, kind: .finished(GenerationResult(image: RGBImage(width: 1, height: 1), settings: s.runSettings!, seconds: 1))), now: 0)
        #expect(s.live)
        _ = s.handle(.enter, now: 0)
        s.apply(WorkerEvent(run: 2, kind: .finished(GenerationResult(image: RGBImage(width: 1, height: 1), settings: s.runSettings!, seconds: 9))), now: 0)
        #expect(!s.live)
        #expect(s.message?.text.contains("live re-generation is off") == true)
    }
}
