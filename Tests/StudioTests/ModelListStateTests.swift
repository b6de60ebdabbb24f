import FlowCore
import Foundation
import Generation
import Imaging
import Testing
@testable import Studio

/// The model list and model switching as state: keys in, effects and messages out.
@Suite struct ModelListStateTests {
    static let other = TestGenerator(name: "other-model", summary: "SD3.5-medium (MMDiT-X) 2.5B params, 1024×1024", hash: "feedface",
                                     sizes: [(32, 32), (64, 64)],
                                     defaults: GenerationSettings(prompt: "", steps: 28, cfgScale: 4.5, seed: 1, shift: 3.5, width: 64, height: 64))

    func recent(_ names: String...) -> [RecentModel] {
        names.map { RecentModel(path: "/models/\($0)", name: $0, summary: "\($0) summary", lastUsed: Date(timeIntervalSince1970: 0)) }
    }

    func makeState(recent: [RecentModel] = [], canLoad: Bool = true) -> StudioState {
        var s = StudioState(generator: TestGenerator(), live: false, seedSource: SeedSource(seed: 1), modelPath: "/models/test",
                            recentModels: recent, canLoadModels: canLoad)
        s.models.workingDirectory = "/work/dir"
        s.models.homeDirectory = "/home/me"
        return s
    }

    func type(_ text: String, into s: inout StudioState) {
        for c in text { _ = s.handle(.character(c), now: 0) }
    }

    @Test func opensOnTheNewestOtherModelAndNavigates() {
        var s = makeState(recent: recent("test", "a", "b"))
        #expect(s.models.others.map(\.name) == ["a", "b"])  // the model in use is row 0, not again below
        #expect(s.handle(.control("o"), now: 0) == [.repaint])
        #expect(s.overlay.mode == .models)
        #expect(s.overlay.listSelection == 1)
        _ = s.handle(.down, now: 0)
        _ = s.handle(.down, now: 0)
        #expect(s.overlay.listSelection == s.models.pathRow)
        _ = s.handle(.down, now: 0)
        #expect(s.overlay.listSelection == 3)  // the path line is the last row
        _ = s.handle(.up, now: 0)
        _ = s.handle(.home, now: 0)
        #expect(s.overlay.listSelection == 0)
        _ = s.handle(.end, now: 0)
        #expect(s.overlay.listSelection == 3)
        // On the path line Home and End edit the path; Esc closes, as F4 does elsewhere.
        _ = s.handle(.escape, now: 0)
        #expect(s.overlay.mode == .main)
        _ = s.handle(.function(4), now: 0)
        #expect(s.overlay.mode == .models)
        _ = s.handle(.function(4), now: 0)
        #expect(s.overlay.mode == .main)
        // With no other model it opens on the path line, ready to type.
        var empty = makeState()
        _ = empty.handle(.control("o"), now: 0)
        #expect(empty.overlay.listSelection == empty.models.pathRow)
        type("q", into: &empty)  // a character, not "close the list", on the path line
        #expect(empty.models.pathLine.text == "q")
        #expect(empty.overlay.mode == .models)
    }

    @Test func thePathLineTakesThePromptEditorsKeys() {
        var s = makeState()
        _ = s.handle(.control("o"), now: 0)
        type("models/sd3 x", into: &s)
        _ = s.handle(.control("w"), now: 0)
        #expect(s.models.pathLine.text == "models/sd3 ")
        _ = s.handle(.backspace, now: 0)
        _ = s.handle(.home, now: 0)
        _ = s.handle(.character("~"), now: 0)
        _ = s.handle(.character("/"), now: 0)
        #expect(s.models.pathLine.text == "~/models/sd3")
        _ = s.handle(.end, now: 0)
        _ = s.handle(.paste("/../sd3.5\n"), now: 0)
        #expect(s.models.pathLine.text == "~/models/sd3/../sd3.5")
        #expect(s.models.absolutePath(s.models.pathLine.text) == "/home/me/models/sd3.5")
        #expect(s.models.absolutePath("x/./y.safetensors") == "/work/dir/x/y.safetensors")
        #expect(s.models.absolutePath(" /abs/m ") == "/abs/m")
        _ = s.handle(.control("u"), now: 0)
        #expect(s.models.pathLine.isEmpty)
        // Enter on an empty line says what to do and stays.
        #expect(s.handle(.enter, now: 0) == [])
        #expect(s.overlay.mode == .models)
        #expect(s.message == .info("type the path of a model file or folder, then Enter"))
    }

    /// Type a path, Enter: the load starts off the UI thread; when it arrives the model is in use
    /// with its defaults, the prompts and seed stay, and the recent list has it on top.
    @Test func aLoadedModelTakesOverWithItsDefaults() throws {
        var s = makeState(recent: recent("test"))
        type("a red circle", into: &s)
        _ = s.handle(.tab, now: 0)
        type("blur", into: &s)
        s.editor.seed = 1234
        s.editor.sampler = .heun
        _ = s.handle(.control("o"), now: 0)
        type("m/other.safetensors", into: &s)
        let effects = s.handle(.enter, now: 0)
        #expect(effects == [.loadModel(path: "/work/dir/m/other.safetensors", id: 1), .repaint])
        #expect(s.overlay.mode == .main)
        #expect(s.message?.text.hasPrefix("loading other.safetensors…") == true)
        #expect(StudioView.render(s, layout: Layout(rows: 40, columns: 120), preview: nil).canvas.text
            .contains("loading other.safetensors… · truecolor · live off"))
        #expect(s.models.loading?.path == "/work/dir/m/other.safetensors")
        #expect(s.models.pathLine.isEmpty)
        // While it loads, keys are answered; Enter waits for the model.
        type("!", into: &s)
        #expect(s.handle(.enter, now: 0) == [])
        #expect(s.message?.text.contains("Enter generates once it has loaded") == true)
        #expect(!s.isRunning)

        let answer = s.apply(.model(.loaded(id: 1, path: "/work/dir/m/other.safetensors", generator: Self.other, seconds: 2.25, date: Date(timeIntervalSince1970: 0))), now: 0)
        #expect(answer == [.useModel(id: 1),
                           .recordRecentModel(path: "/work/dir/m/other.safetensors", name: "other-model",
                                              summary: "SD3.5-medium (MMDiT-X) 2.5B params, 1024×1024"),
                           .repaint])
        #expect(s.modelName == "other-model")
        #expect(s.modelSummary.hasPrefix("SD3.5-medium (MMDiT-X)"))
        #expect(s.modelHash == "feedface")
        #expect(s.message == .info("loaded other-model in 2.2s: SD3.5-medium (MMDiT-X) 2.5B params, 1024×1024"))
        #expect(s.models.loading == nil)
        // Words the new model does not read are added to the message, not put in its place.
        s.apply(.ignoredWordsFound(IgnoredWords(unknown: ["circle"])), now: 0)
        #expect(s.message == .warning("loaded other-model in 2.2s: SD3.5-medium (MMDiT-X) 2.5B params, 1024×1024; word 'circle' is not in this model's vocabulary"))
        #expect(s.models.current.path == "/work/dir/m/other.safetensors")
        #expect(s.models.recent.map(\.path) == ["/work/dir/m/other.safetensors", "/models/test"])
        #expect(s.models.recent[0] == RecentModel(path: "/work/dir/m/other.safetensors", name: "other-model",
                                                  summary: Self.other.modelSummary, lastUsed: Date(timeIntervalSince1970: 0)))
        let settings = s.settings
        #expect(settings.prompt == "a red circle")
        #expect(settings.negativePrompt == "blur!")  // typed while it loaded
        #expect(settings.seed == 1234)
        #expect(settings.sampler == .heun)
        #expect((settings.steps, settings.cfgScale, settings.shift) == (28, 4.5, 3.5))
        #expect((settings.width, settings.height) == (64, 64))
        #expect(s.editor.supportedSizes.count == 2)
        // The first model is now a recent one; choosing it loads it again.
        _ = s.handle(.control("o"), now: 0)
        #expect(s.models.others.map(\.name) == ["test"])
        #expect(s.overlay.listSelection == 1)
        #expect(s.handle(.enter, now: 0) == [.loadModel(path: "/models/test", id: 2), .repaint])
        // Now Enter generates.
        _ = s.apply(.model(.loaded(id: 2, path: "/models/test", generator: TestGenerator(), seconds: 0.1, date: Date(timeIntervalSince1970: 0))), now: 0)
        #expect(s.handle(.enter, now: 0).count == 1)
        #expect(s.isRunning)
    }

    @Test func aFailedLoadKeepsTheModelAndSaysWhy() {
        var s = makeState()
        let before = s.settings
        _ = s.handle(.control("o"), now: 0)
        type("/nowhere/model", into: &s)
        _ = s.handle(.enter, now: 0)
        let answer = s.apply(.model(.loadFailed(id: 1, path: "/nowhere/model", reason: "no such file or folder")), now: 0)
        #expect(answer.isEmpty)
        #expect(s.message == .error("cannot load /nowhere/model: no such file or folder; still using test-model"))
        #expect(s.modelName == "test-model")
        #expect(s.models.loading == nil)
        #expect(s.settings == before)
        #expect(s.models.recent.map(\.path) == [])  // a model that did not load is not remembered
        #expect(s.handle(.enter, now: 0).count == 1)  // generating with the old model
    }

    @Test func theModelInUseOrLoadingIsANoOp() {
        var s = makeState(recent: recent("test", "a"))
        _ = s.handle(.control("o"), now: 0)
        _ = s.handle(.up, now: 0)  // the model in use
        #expect(s.handle(.enter, now: 0) == [.repaint])
        #expect(s.overlay.mode == .main)
        #expect(s.message == .info("test-model is the model in use"))
        // The same path typed (another spelling of it): nothing to do.
        _ = s.handle(.control("o"), now: 0)
        _ = s.handle(.end, now: 0)
        type("/models/./a/../test", into: &s)
        #expect(s.handle(.enter, now: 0) == [.repaint])
        #expect(s.message?.text == "test-model (/models/test) is the model in use already")
        #expect(s.models.loading == nil)
        // The one loading already: nothing more.
        _ = s.handle(.control("o"), now: 0)
        #expect(s.handle(.enter, now: 0) == [.loadModel(path: "/models/a", id: 1), .repaint])
        _ = s.handle(.control("o"), now: 0)
        #expect(s.handle(.enter, now: 0) == [.repaint])
        #expect(s.message == .info("already loading a…"))
    }

    @Test func loadingCancelsTheRunQuietlyAndEscKeepsTheModel() {
        var s = makeState(recent: recent("a", "b"))
        _ = s.handle(.enter, now: 0)
        #expect(s.isRunning)
        _ = s.handle(.control("o"), now: 0)
        #expect(s.handle(.enter, now: 0) == [.cancel, .loadModel(path: "/models/a", id: 1), .repaint])
        s.apply(.worker(WorkerEvent(run: 1, kind: .cancelled(stepsDone: 2))), now: 0)
        #expect(s.message?.text.hasPrefix("loading a…") == true)  // not "cancelled after 2 of 4 steps"
        // Live edits do not start runs while the model loads.
        s.editor.live = true
        type("x", into: &s)
        #expect(s.tick(now: 10) == [])
        #expect(s.editor.liveDeadline == nil)
        // Esc keeps the current model; the load's answer is dropped when it comes.
        _ = s.handle(.escape, now: 0)
        #expect(s.message == .info("kept test-model; a is dropped when it has loaded"))
        #expect(s.apply(.model(.loaded(id: 1, path: "/models/a", generator: Self.other, seconds: 1, date: Date(timeIntervalSince1970: 0))), now: 0) == [])
        #expect(s.modelName == "test-model")
        // A newer load supersedes an older one.
        _ = s.handle(.control("o"), now: 0)
        _ = s.handle(.enter, now: 0)  // a, id 2
        _ = s.handle(.control("o"), now: 0)
        _ = s.handle(.down, now: 0)
        #expect(s.handle(.enter, now: 0) == [.loadModel(path: "/models/b", id: 3), .repaint])
        #expect(s.apply(.model(.loaded(id: 2, path: "/models/a", generator: Self.other, seconds: 1, date: Date(timeIntervalSince1970: 0))), now: 0) == [])
        #expect(s.apply(.model(.loadFailed(id: 2, path: "/models/a", reason: "late")), now: 0) == [])
        #expect(s.message?.text.hasPrefix("loading b…") == true)
        #expect(s.apply(.model(.loaded(id: 3, path: "/models/b", generator: Self.other, seconds: 1, date: Date(timeIntervalSince1970: 0))), now: 0).contains(.useModel(id: 3)))
        #expect(s.modelName == "other-model")
    }

    @Test func withoutALoaderTheListOnlyShows() {
        var s = makeState(recent: recent("a"), canLoad: false)
        _ = s.handle(.control("o"), now: 0)
        #expect(s.message?.text.contains("without a model loader") == true)
        #expect(s.handle(.enter, now: 0) == [])
        #expect(s.message?.text.hasPrefix("this studio cannot switch models") == true)
    }

    @Test func theRecentListFromDiskReplacesThisSessionsAndWriteFailuresAreSaid() {
        var s = makeState()
        let entries = recent("x", "test")
        s.apply(.model(.recentSaved(entries: entries, warning: nil)), now: 0)
        #expect(s.models.recent == entries)
        s.message = .info("loaded x")
        s.apply(.model(.recentNotSaved(reason: "cannot write /ro/models.json: Permission denied")), now: 0)
        #expect(s.message == .warning("loaded x; the recent-models list was not saved: cannot write /ro/models.json: Permission denied"))
    }

    @Test func theListIsDrawn() {
        var s = makeState(recent: recent("test", "sd3.5-medium"))
        s.models.recent[1].summary = "SD3.5-medium (MMDiT-X) 2.5B params"
        _ = s.handle(.control("o"), now: 0)
        let text = StudioView.render(s, layout: Layout(rows: 40, columns: 120), preview: nil).canvas.text
        #expect(text.contains("Models (1 recent)"))
        #expect(text.contains("● test-model  (in use)"))
        #expect(text.contains("sd3.5-medium"))
        #expect(text.contains("SD3.5-medium (MMDiT-X) 2.5B params"))
        #expect(text.contains("/models/sd3.5-medium"))  // the selected model's path
        #expect(text.contains("Enter load  ↑↓ select  Esc close"))
        _ = s.handle(.down, now: 0)
        type("/m/new", into: &s)
        let typed = StudioView.render(s, layout: Layout(rows: 40, columns: 120), preview: nil)
        #expect(typed.canvas.text.contains("› /m/new"))
        #expect(typed.canvas.cursor != nil)
        _ = s.handle(.enter, now: 0)
        let loading = StudioView.render(s, layout: Layout(rows: 40, columns: 120), preview: nil).canvas.text
        #expect(loading.contains("loading new…"))
        #expect(StudioView.keepingEnd("/a/very/long/path/model.safetensors", columns: 20) == "…h/model.safetensors")
    }
}
