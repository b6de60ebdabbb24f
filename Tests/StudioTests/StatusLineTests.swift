import FlowCore
import Foundation
import Generation
import Imaging
import Testing
@testable import Studio

/// The status line's two issue-17 findings: a warning that must stay readable (a paste cut at
/// the editor's length) and messages of any length (a theme file's 1 MB value quoted in a
/// warning) costing what the screen shows.
@Suite struct StatusLineTests {
    func makeState(live: Bool) -> StudioState {
        StudioState(generator: TestGenerator(), live: live, seedSource: SeedSource(seed: 1))
    }

    static let longPaste = String(repeating: "a red circle ", count: 500)  // 6500 characters, more than 4000

    /// The live run the paste starts used to replace the warning at once (`startRun` clears the
    /// message); now it stays through the run until its time is up.
    @Test func aCutPasteWarningOutlastsTheLiveRunItStarts() {
        var s = makeState(live: true)
        let effects = s.handle(.paste(Self.longPaste), now: 100)
        #expect(s.editor.prompt.text.count == s.editor.prompt.maxLength)
        #expect(effects.isEmpty && s.editor.liveDeadline != nil)
        let warning = "the pasted text was cut at \(s.editor.prompt.maxLength) characters"
        #expect(s.shownMessage == .warning(warning))
        #expect(s.pinnedUntil == 100 + StudioState.pinnedSeconds)

        // The live run starts, reports steps and finishes: each would have replaced the message.
        let started = s.tick(now: 100.5)
        guard case .generate? = started.first else { Issue.record("expected the live run, got \(started)"); return }
        #expect(s.message == nil)
        #expect(s.shownMessage == .warning(warning))
        let image = RGBImage(width: 2, height: 2)
        for i in 0..<4 {
            s.apply(.worker(WorkerEvent(run: s.run.id, kind: .step(GenerationProgress(step: i, stepCount: 4, sigma: 1, elapsed: 0,
                                                                                      predicted: image, noisy: image)))), now: 101)
        }
        s.apply(.worker(WorkerEvent(run: s.run.id, kind: .finished(GenerationResult(image: image, settings: s.run.settings!, seconds: 1)))),
                now: 102)
        _ = s.tick(now: 109.9)
        #expect(s.shownMessage == .warning(warning))
        let (text, role) = StudioView.status(s)
        #expect(text == warning && role == .statusWarning)

        // Its time is up: the run's own message shows.
        _ = s.tick(now: 110)
        #expect(s.pinnedMessage == nil && s.pinnedUntil == nil)
        #expect(s.shownMessage == s.message)
        #expect(s.message?.text.hasPrefix("done") == true)
    }

    @Test func theNextKeyReleasesTheWarning() {
        var s = makeState(live: false)
        _ = s.handle(.paste(Self.longPaste), now: 0)
        #expect(s.pinnedMessage != nil)
        _ = s.handle(.resize, now: 1)  // not a key the user pressed
        #expect(s.pinnedMessage != nil)
        _ = s.handle(.character("x"), now: 2)
        #expect(s.pinnedMessage == nil && s.pinnedUntil == nil)
        // A paste that fits pins nothing.
        var t = makeState(live: false)
        _ = t.handle(.paste("a blue square"), now: 0)
        #expect(t.pinnedMessage == nil)
    }

    /// The controller, on its own thread with a live model: the warning is on the screen after
    /// the live run has finished.
    @Test func theWarningIsOnTheScreenAfterTheLiveRun() {
        let app = StudioControllerTests.Running(live: true)
        #expect(app.terminal.waitFor("ready"))
        app.terminal.send(.paste(Self.longPaste))
        #expect(app.terminal.waitUntil { canvas, _ in canvas.text.contains("step 4/4") })
        #expect(app.terminal.waitFor("the pasted text was cut at 4000 characters"))
        #expect(!app.screen.contains("done in"))
        app.terminal.send(.control("l"))  // a key: the run's own message comes back
        #expect(app.terminal.waitFor("done in"))
        #expect(app.quit())
    }

    // MARK: Huge messages

    static let huge = String(repeating: "x", count: 5_000_000)

    @Test func theHeadOfATextIsBoundedByTheColumnsAsked() {
        let (head, cut) = DisplayWidth.head(Self.huge, columns: 100)
        #expect(head.count == 100 && cut)
        let (short, shortCut) = DisplayWidth.head("red circle", columns: 100)
        #expect(short == "red circle" && !shortCut)
        // Wide characters count two columns; a million combining marks on one letter stop at the scalar budget.
        #expect(DisplayWidth.head("日本語の", columns: 5) == ("日本", true))
        let marks = "e" + String(repeating: "\u{301}", count: 1_000_000)
        let (markHead, markCut) = DisplayWidth.head(marks, columns: 10)
        #expect(markCut && markHead.unicodeScalars.count <= 4 * 10 + 64)
    }

    /// A 5 MB message and notice draw exactly as their first 20 000 characters do: the view
    /// looks at no more of them than it shows (the idle studio redraws twice a second).
    @Test func aHugeMessageDrawsAsItsHead() {
        func state(_ text: String) -> StudioState {
            StudioState(generator: TestGenerator(), live: false, seedSource: SeedSource(seed: 1),
                        startupMessages: [.warning("theme big.toml " + text)])
        }
        let layout = Layout(rows: 40, columns: 120)
        let whole = StudioView.render(state(Self.huge), layout: layout, preview: nil).canvas
        let head = StudioView.render(state(String(Self.huge.prefix(20_000))), layout: layout, preview: nil).canvas
        #expect(whole == head)
        // Two lines, the second ending in "…"; the preview pane shows the notice cut the same way.
        // (The long word goes to the second line, as the status line wraps words.)
        #expect(whole.text(row: layout.status.row).hasPrefix(" theme big.toml"))
        let second = whole.text(row: layout.footer.row).trimmingCharacters(in: .whitespaces)
        #expect(second.hasPrefix("xxxxxxxx") && second.hasSuffix("…"))
        #expect(whole.text.contains("…"))
    }

    /// The warning for a theme with a 900 kB value quotes 40 columns of it.
    @Test func aThemeErrorQuotesAShortPieceOfTheValue() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("theme-huge-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("big.toml")
        try Data("[text]\nfg = \"\(String(repeating: "#", count: 900_000))\"\n".utf8).write(to: file)
        let (theme, warning) = ThemeLibrary(directories: [folder]).load("big")
        #expect(theme == Theme.builtIn)
        let text = try #require(warning)
        #expect(text.contains("has a bad value for fg in [text]: " + String(repeating: "#", count: 39) + "…"))
        #expect(text.count < 400)
        // A huge name is valid: the status line draws its head only.
        try Data("name = \"\(String(repeating: "n", count: 900_000))\"\n".utf8).write(to: file)
        let named = try ThemeLibrary(directories: [folder]).theme("big")
        var s = StudioState(generator: TestGenerator(), live: false, seedSource: SeedSource(seed: 1))
        _ = s.apply(.themeChanged(name: named.name, warning: nil), now: 0)
        let layout = Layout(rows: 40, columns: 120)
        let canvas = StudioView.render(s, layout: layout, preview: nil).canvas
        #expect(canvas.text(row: layout.status.row).hasPrefix(" theme:"))
        let footer = canvas.text(row: layout.footer.row).trimmingCharacters(in: .whitespaces)
        #expect(footer.hasPrefix("nnnnnnnn") && footer.hasSuffix("…"))
    }
}
