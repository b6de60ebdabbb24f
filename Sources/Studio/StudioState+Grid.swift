import FlowCore
import Generation

/// The X/Y grid: the sweep editor, the cells run one after another, the sheet and its cells.
extension StudioState {
    /// Ctrl-X on the main screen: the last grid when there is one, else the sweep editor.
    mutating func openGrid() -> [StudioEffect] {
        guard commitInput() else { return [] }
        if grid != nil {
            overlay.mode = .grid
            return [.repaint]
        }
        return editSweep()
    }

    /// Opens the sweep editor.
    mutating func editSweep() -> [StudioEffect] {
        overlay.mode = .sweep
        message = .info("X/Y grid: write each axis as SETTING=V1,V2,… (seed, cfg, steps, shift, sampler, word); Enter makes it")
        return [.repaint]
    }

    /// Enter in the sweep editor: checks the sweep, then runs its first cell.
    mutating func startGrid() -> [StudioEffect] {
        let sweep: Sweep
        do {
            sweep = try self.sweep.sweep(prompt: editor.settings.prompt)
        } catch {
            message = .warning("\(error)")
            return []
        }
        var base = editor.settings
        base.branch = []
        var next = GridRun(sweep: sweep, base: base)
        next.number = (grid?.number ?? 0) + 1
        next.current = 0
        grid = next
        editor.liveDeadline = nil
        overlay.mode = .grid
        message = .info("grid: \(sweep.cellCount) cells (\(sweep.columns)×\(sweep.rows)); Esc stops it")
        return runGridCell(0)
    }

    /// Starts cell `index` of the grid as the next run.
    mutating func runGridCell(_ index: Int) -> [StudioEffect] {
        guard var g = grid else { return [] }
        let effect = run.start(g.cells[index], note: nil)
        g.current = index
        g.runID = run.id
        grid = g
        return [effect, .repaint]
    }

    /// A worker report about the grid's running cell (already folded into `run`).
    mutating func gridReport(_ kind: WorkerEvent.Kind) -> [StudioEffect] {
        guard var g = grid, g.phase == .running else { return [] }
        switch kind {
        case let .step(progress):
            g.step(progress.image(editor.previewSource))
        case let .finished(result):
            if let next = g.finished(result.image, seconds: result.seconds) {
                message = .info("grid: \(next) of \(g.cells.count) cells done…")
                grid = g
                return runGridCell(next)
            }
            message = .done(String(format: "grid done: %d cells in %.1fs; Enter opens a cell, Ctrl-S saves it as a favorite, Ctrl-E saves the sheet",
                                   g.cells.count, g.seconds))
        case .cancelled, .failed:
            let done = g.finishedCount
            g.stop()
            if case let .failed(why) = kind {
                message = .error("grid stopped: cell \(done + 1) failed: \(why)")
            } else {
                message = .info("grid stopped after \(done) of \(g.cells.count) cells")
            }
        }
        grid = g
        return []
    }

    /// A run outside the grid is starting: a grid still running stops (its run is replaced).
    mutating func stopGridForOtherRun() {
        guard var g = grid, g.phase == .running else { return }
        g.stop()
        grid = g
    }

    /// Esc in the grid: cancels the cell running, else returns to the main screen.
    mutating func closeGrid() -> [StudioEffect] {
        if let g = grid, g.phase == .running, run.isRunning { return [.cancel] }
        overlay.mode = .main
        return [.repaint]
    }

    mutating func moveCell(dx: Int, dy: Int) {
        grid?.move(dx: dx, dy: dy)
        if let g = grid { message = .info("cell \(g.selection + 1): \(g.selectionLabel)" + (g.images[g.selection] == nil ? " (not made yet)" : "")) }
    }

    mutating func toggleCell() {
        guard var g = grid else { return }
        g.cellOpen.toggle()
        grid = g
        message = .info(g.cellOpen ? "cell \(g.selection + 1): \(g.selectionLabel); ←/→/↑/↓ move, Enter shows the sheet" : "the sheet")
    }

    /// Ctrl-S / Ctrl-E in the grid: the selected cell as a favorite, or the sheet as one PNG.
    mutating func saveFromGrid(favorite: Bool) -> [StudioEffect] {
        guard let g = grid else { return [] }
        if favorite {
            guard g.images[g.selection] != nil else {
                message = .warning("cell \(g.selection + 1) is not made yet: pick a finished cell to save it")
                return []
            }
            return [.saveGridCell(g.selection)]
        }
        guard g.finishedCount > 0 else {
            message = .warning("no cell is made yet: the sheet is saved once a cell has finished")
            return []
        }
        return [.saveGridSheet]
    }
}
