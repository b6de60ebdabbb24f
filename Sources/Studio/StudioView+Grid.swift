import FlowCore
import Generation

/// The sweep editor and the X/Y grid's panel (the left column while either is open).
extension StudioView {
    static func drawGridPanel(_ canvas: inout Canvas, _ state: StudioState, _ layout: Layout) {
        let box = layout.leftColumn
        let editing = state.overlay.mode == .sweep
        canvas.box(box, title: editing ? "X/Y grid · sweep" : "X/Y grid", role: .focusBorder, titleRole: .focus)
        let area = box.inset(1)
        var row = area.row
        func line(_ text: String, _ role: StyleRole = .text) {
            guard row < area.bottom - 1 else { return }
            canvas.put(text, row: row, column: area.column, role: role, limit: area.columns)
            row += 1
        }
        if editing {
            for (i, field) in [state.sweep.x, state.sweep.y].enumerated() {
                let label = i == 0 ? "X (across): " : "Y (down):   "
                let focused = state.sweep.line == i
                let width = DisplayWidth.of(label)
                canvas.put(label, row: row, column: area.column, role: focused ? .focus : .label, limit: area.columns)
                let visible = max(1, area.columns - width)
                let start = max(0, field.cursor - visible + 1)
                let shown = String(field.text.dropFirst(start).prefix(visible))
                canvas.put(shown, row: row, column: area.column + width, role: focused ? .value : .text, limit: visible)
                if focused { canvas.cursor = (row, area.column + width + field.cursor - start) }
                row += 1
            }
            row += 1
            line("Each axis: SETTING=V1,V2,… with SETTING one of", .dim)
            line("seed cfg steps shift sampler word", .dim)
            line("e.g. seed=1,2,3  cfg=3,5  sampler=euler,heun", .dim)
            line("word sweeps the prompt's A|B|C (a red|blue circle)", .dim)
            line("Leave Y empty for one row.", .dim)
        } else if let g = state.grid {
            canvas.cursor = nil
            line("X: \(g.sweep.x.text)")
            if let y = g.sweep.y { line("Y: \(y.text)") }
            let status: String
            switch g.phase {
            case .running: status = "running cell \((g.current ?? 0) + 1) of \(g.cells.count)"
            case .finished: status = String(format: "done: %d cells in %.1fs", g.cells.count, g.seconds)
            case .stopped: status = "stopped: \(g.finishedCount) of \(g.cells.count) cells made"
            }
            line(status, g.phase == .stopped ? .statusWarning : .value)
            row += 1
            let s = g.cells[g.selection]
            line("cell \(g.selection + 1): \(g.selectionLabel)", .focus)
            line("seed \(s.seed) · cfg \(SettingText.format(Double(s.cfgScale))) · \(s.steps) steps")
            line("shift \(SettingText.format(s.shift)) · \(s.sampler.rawValue)")
            line(oneLine(s.prompt, empty: "(empty prompt)"))
        }
        let help = Keymap.footer(for: [editing ? .sweep : .grid]).map { "\($0.key) \($0.label)" }.joined(separator: "  ")
        canvas.put(help, row: area.bottom - 1, column: area.column, role: .dim, limit: area.columns)
    }

    /// Added to the preview's title while branching: " · branch from step 12 of #3 (^N stops)".
    static func branchingNote(_ state: StudioState) -> String {
        guard let point = state.branchPoint, state.overlay.mode != .grid else { return "" }
        return " · branch from \(point.name) (^N stops)"
    }

    /// The preview box's title in the grid: the sheet or the cell shown.
    static func gridPreviewTitle(_ state: StudioState) -> String {
        guard let g = state.grid else { return "X/Y grid" }
        if g.cellOpen { return "Cell \(g.selection + 1) of \(g.cells.count) · \(g.selectionLabel) · ←/→/↑/↓" }
        return "X/Y grid · \(g.finishedCount) of \(g.cells.count) cells"
    }
}
