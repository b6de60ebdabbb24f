import FlowCore
import Generation
import Imaging
import RectifiedFlow
import Testing
@testable import Studio

/// The state model of the X/Y grid (sweep editor, the cells run one after another, opening and
/// saving cells) and of branching from a step.
@Suite struct GridAndBranchStateTests {
    func makeState() -> StudioState {
        StudioState(generator: TestGenerator(), live: false, seedSource: SeedSource(seed: 1))
    }

    func press(_ keys: [Key], _ s: inout StudioState) -> [StudioEffect] {
        keys.flatMap { s.handle($0, now: 0) }
    }

    func type(_ text: String, _ s: inout StudioState) {
        for c in text { _ = s.handle(.character(c), now: 0) }
    }

    /// A step picture: flat `value` grey.
    func picture(_ value: UInt8, _ settings: GenerationSettings) -> RGBImage {
        RGBImage(width: settings.width, height: settings.height, fill: RGB(value, value, value))
    }

    func step(_ i: Int, of settings: GenerationSettings, run: Int, latents: Tensor? = nil, _ s: inout StudioState) -> [StudioEffect] {
        let image = picture(UInt8(10 * i), settings)
        return s.apply(.worker(WorkerEvent(run: run, kind: .step(GenerationProgress(
            step: i, stepCount: settings.steps, sigma: 1, elapsed: 0, predicted: image, noisy: image, latents: latents)))), now: 0)
    }

    func finish(_ settings: GenerationSettings, run: Int, value: UInt8, _ s: inout StudioState) -> [StudioEffect] {
        s.apply(.worker(WorkerEvent(run: run, kind: .finished(GenerationResult(image: picture(value, settings), settings: settings,
                                                                                 seconds: 0.5)))), now: 0)
    }

    // MARK: Sweeps

    @Test func axesParseAndApply() throws {
        let base = TestGenerator().defaultSettings
        let seed = try SweepAxis(parsing: "seed=1, 2,3", prompt: "")
        #expect(seed.values == ["1", "2", "3"])
        #expect(seed.apply(2, to: base).seed == 3)
        #expect(try SweepAxis(parsing: "cfg=3,5.5", prompt: "").apply(1, to: base).cfgScale == 5.5)
        #expect(try SweepAxis(parsing: "steps=8,16", prompt: "").apply(1, to: base).steps == 16)
        #expect(try SweepAxis(parsing: "shift=1,3", prompt: "").apply(0, to: base).shift == 1)
        #expect(try SweepAxis(parsing: "sampler=euler,Heun", prompt: "").apply(1, to: base).sampler == .heun)
        let word = try SweepAxis(parsing: "word", prompt: "a red|blue|green circle")
        #expect(word.values == ["red", "blue", "green"])
        var prompted = base
        prompted.prompt = "a red|blue|green circle"
        #expect(word.apply(1, to: prompted).prompt == "a blue circle")
        #expect(try SweepAxis(parsing: "word=pink,cyan", prompt: "a red|blue circle").apply(1, to: prompted).prompt == "a cyan circle")
        #expect(throws: SweepError.noAlternatives) { try SweepAxis(parsing: "word", prompt: "a red circle") }
        #expect(throws: SweepError.unknownSetting("size=1")) { try SweepAxis(parsing: "size=1", prompt: "") }
        #expect(throws: SweepError.self) { try SweepAxis(parsing: "cfg=3,lots", prompt: "") }
        #expect(throws: SweepError.self) { try SweepAxis(parsing: "steps=0", prompt: "") }
        #expect(throws: SweepError.noValues("seed")) { try SweepAxis(parsing: "seed=", prompt: "") }
        #expect(throws: SweepError.sameSetting("seed")) { try Sweep(x: seed, y: seed) }
        let sweep = try Sweep(x: seed, y: try SweepAxis(parsing: "cfg=3,5", prompt: ""))
        #expect(sweep.fieldValue == "X: seed=1,2,3; Y: cfg=3,5")
        let cells = sweep.cells(base: base)
        #expect(cells.map(\.seed) == [1, 2, 3, 1, 2, 3])
        #expect(cells.map(\.cfgScale) == [3, 3, 3, 5, 5, 5])
    }

    // MARK: The sweep editor and the grid run

    @Test func theSweepEditorMakesAGridWhoseCellsRunOneAfterAnother() throws {
        var s = makeState()
        type("a red circle", &s)
        #expect(press([.control("x")], &s) == [.repaint])
        #expect(s.overlay.mode == .sweep)
        // A wrong axis is refused in the status line; the editor stays open.
        _ = press([.control("u")], &s)
        type("colour=1,2", &s)
        #expect(press([.enter], &s).isEmpty)
        #expect(s.overlay.mode == .sweep)
        #expect(s.message?.text.contains("not an axis") == true)
        _ = press([.control("u")], &s)
        type("seed=4,5,6", &s)
        _ = press([.tab], &s)
        #expect(s.sweep.line == 1)
        _ = press([.control("u")], &s)
        type("cfg=2,6", &s)
        #expect(s.sweep.x.text == "seed=4,5,6" && s.sweep.y.text == "cfg=2,6")
        let effects = press([.enter], &s)
        #expect(s.overlay.mode == .grid)
        let grid = try #require(s.grid)
        #expect(grid.cells.count == 6)
        var first = s.settings
        first.seed = 4
        first.cfgScale = 2
        #expect(effects == [.generate(first, run: 1), .repaint])

        // Each finished cell starts the next; a step shows in the running cell's place.
        var run = 1
        for cell in 0..<6 {
            let settings = s.grid!.cells[cell]
            #expect(s.run.settings == settings)
            let before = s.grid!.version
            _ = step(0, of: settings, run: run, &s)
            #expect(s.grid!.version > before)
            let next = finish(settings, run: run, value: UInt8(100 + cell), &s)
            if cell < 5 {
                run += 1
                #expect(next == [.generate(s.grid!.cells[cell + 1], run: run), .repaint])
            } else {
                #expect(next.isEmpty)
            }
        }
        let done = try #require(s.grid)
        #expect(done.phase == .finished)
        #expect(done.images.allSatisfy { $0 != nil })
        #expect(s.library.history.count == 6)
        #expect(s.message?.text.hasPrefix("grid done: 6 cells") == true)
        // The sheet: a label row and column, 3×2 cells of 16×16 with the selection framed.
        let sheet = done.makeSheet(highlight: false)
        let cell = done.images[4]!
        #expect(sheet.width > 3 * 16 && sheet.height > 2 * 16)
        // Cell 4 (row 1, column 1) sits at the right place with its own pixels.
        let labelWidth = sheet.width - 2 - 3 * (16 + 2)
        let labelHeight = sheet.height - 2 - 2 * (16 + 2)
        let x = labelWidth + 2 + 1 * 18, y = labelHeight + 2 + 1 * 18
        #expect(sheet[x: x + 5, y: y + 5] == cell[x: 5, y: 5])
        #expect(cell[x: 5, y: 5] == RGB(104, 104, 104))
    }

    func finishedGrid() throws -> StudioState {
        var s = makeState()
        _ = press([.control("x")], &s)
        _ = press([.enter], &s)  // the default sweep: seed=1,2,3 × cfg=3,5
        for cell in 0..<6 { _ = finish(s.grid!.cells[cell], run: cell + 1, value: UInt8(50 + cell), &s) }
        return s
    }

    @Test func aCellOpensFullSizeMovesAndBecomesAFavorite() throws {
        var s = try finishedGrid()
        #expect(s.displayedImage?.key.hasPrefix("grid1-sheet") == true)
        _ = press([.right, .right, .right, .down], &s)  // clamped at the last column
        #expect(s.grid?.selection == 5)
        #expect(s.grid?.selectionLabel == "seed 3 · cfg 5")
        _ = press([.enter], &s)
        #expect(s.grid?.cellOpen == true)
        #expect(s.displayedImage?.image.pixels == s.grid?.images[5]?.pixels)
        _ = press([.left], &s)
        #expect(s.displayedImage?.image[x: 0, y: 0] == RGB(54, 54, 54))
        #expect(press([.control("s")], &s) == [.saveGridCell(4)])
        #expect(press([.control("e")], &s) == [.saveGridSheet])
        _ = press([.enter], &s)
        #expect(s.grid?.cellOpen == false)
        #expect(press([.escape], &s) == [.repaint])
        #expect(s.overlay.mode == .main)
        // Ctrl-X comes back to the grid; there Ctrl-X edits the sweep.
        _ = press([.control("x")], &s)
        #expect(s.overlay.mode == .grid)
        _ = press([.control("x")], &s)
        #expect(s.overlay.mode == .sweep)
        _ = press([.escape], &s)
        #expect(s.overlay.mode == .grid)
    }

    @Test func escStopsARunningGridAndAnotherRunReplacesIt() throws {
        var s = makeState()
        _ = press([.control("x"), .enter], &s)
        _ = finish(s.grid!.cells[0], run: 1, value: 1, &s)
        #expect(press([.control("s")], &s) == [.saveGridCell(0)])
        _ = press([.right], &s)
        #expect(press([.control("s")], &s).isEmpty)  // not made yet
        #expect(press([.escape], &s) == [.cancel])
        _ = s.apply(.worker(WorkerEvent(run: 2, kind: .cancelled(stepsDone: 1))), now: 0)
        #expect(s.grid?.phase == .stopped)
        #expect(s.message?.text == "grid stopped after 1 of 6 cells")
        #expect(press([.escape], &s) == [.repaint])

        var t = makeState()
        _ = press([.control("x"), .enter, .escape], &t)  // Esc cancels the running cell
        _ = press([.escape], &t)
        t.overlay.mode = .main
        _ = press([.enter], &t)  // an ordinary run replaces the grid's
        #expect(t.grid?.phase == .stopped)
    }

    // MARK: Branching

    /// A finished 4-step run whose steps carry their state (latents filled with the step index).
    func finishedRun() -> StudioState {
        var s = makeState()
        type("a red circle", &s)
        _ = press([.enter], &s)
        let settings = s.run.settings!
        for i in 0..<settings.steps {
            _ = step(i, of: settings, run: 1, latents: Tensor(shape: [1, 3, 16, 16], scalars: [Float](repeating: Float(i), count: 768)), &s)
        }
        _ = finish(settings, run: 1, value: 9, &s)
        return s
    }

    @Test func ctrlNBranchesFromTheStepShown() throws {
        var s = finishedRun()
        let parent = s.run.settings!
        // The last step cannot be branched from.
        #expect(press([.control("n")], &s).isEmpty)
        #expect(s.branchPoint == nil)
        _ = press([.shiftLeft, .shiftLeft], &s)  // step 2 of 4
        #expect(press([.control("n")], &s) == [.repaint])
        let point = try #require(s.branchPoint)
        #expect(point.step == 2 && point.parentNumber == 1)
        #expect(point.state?.scalars.first == 1)  // the state after step 2 (index 1)
        #expect(s.message?.text.contains("branching from step 2 of #1") == true)

        // Edit the prompt and the CFG; Enter continues from step 2.
        _ = press([.control("u")], &s)
        type("a blue square", &s)
        _ = press([.tab, .tab, .tab], &s)
        #expect(s.editor.focus == .cfg)
        _ = press([.up], &s)
        let effects = press([.enter], &s)
        var expected = parent
        expected.prompt = "a blue square"
        expected.cfgScale = s.settings.cfgScale
        expected.branch = [BranchSegment(parent, untilStep: 2)]
        #expect(expected.cfgScale != parent.cfgScale)
        #expect(effects == [.generate(expected, run: 2)])
        // The branch's run starts with its parent's first two steps.
        #expect(s.run.frames.count == 2)
        for i in 2..<4 {
            _ = step(i, of: expected, run: 2, latents: Tensor(shape: [1, 3, 16, 16], scalars: [Float](repeating: Float(10 + i), count: 768)), &s)
        }
        _ = finish(expected, run: 2, value: 20, &s)
        #expect(s.run.frames.count == 4)
        let entry = try #require(s.library.history.last)
        #expect(entry.number == 2 && entry.parent == 1 && entry.settings.branchStep == 2)
        // The history list shows the branch and its parent.
        _ = press([.control("p")], &s)
        let (canvas, _) = StudioView.render(s, layout: Layout(rows: 40, columns: 120), preview: nil)
        #expect(canvas.text.contains("#2 ↳#1@2"))
        _ = press([.escape], &s)
        // Scrubbed to a step of the branch, Ctrl-N branches from there (a branch of the branch).
        _ = press([.shiftLeft], &s)
        _ = press([.control("n")], &s)
        #expect(s.branchPoint?.step == 3 && s.branchPoint?.parentNumber == 2)
        #expect(s.branchPoint?.parent == expected)
        #expect(s.branchPoint?.state?.scalars.first == 12)
        // Ctrl-N again, on the same step, stops branching: Enter starts from the beginning.
        _ = press([.control("n")], &s)
        #expect(s.branchPoint == nil)
        let plain = press([.enter], &s)
        guard case let .generate(settings, _) = plain.first else { Issue.record("no run"); return }
        #expect(!settings.isBranch)
    }

    @Test func restoringABranchedHistoryEntryReplaysIt() throws {
        var s = finishedRun()
        _ = press([.shiftLeft, .control("n")], &s)
        _ = press([.control("u")], &s)
        type("two squares", &s)
        guard case let .generate(branch, _) = press([.enter], &s).first else { Issue.record("no run"); return }
        _ = finish(branch, run: 2, value: 3, &s)
        _ = press([.control("n")], &s)
        #expect(s.branchPoint == nil)
        _ = press([.control("p"), .enter], &s)  // the newest entry: the branch
        #expect(s.branchPoint?.step == 3 && s.branchPoint?.state == nil)
        #expect(press([.enter], &s) == [.generate(branch, run: 3)])
    }
}
