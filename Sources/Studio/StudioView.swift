import Foundation
import Generation
import Imaging

/// Draws a `StudioState` into a `Canvas` for a `Layout`. Pure: the same state gives the same
/// cells. The preview image itself is not drawn here (except ASCII, which is plain text): the
/// view leaves its cells blank and reports where the overlay goes.
public enum StudioView {
    /// The keys the footer lists, in order of importance (the footer drops what does not fit):
    /// the keymap's bindings with a footer label on the main screen.
    static let footerKeys: [(key: String, label: String)] = Keymap.footer(for: [.main])

    /// The help overlay's lines: keys, what they do (the keymap's bindings marked for help).
    static let helpLines: [(keys: String, description: String)] = Keymap.helpLines

    /// Draws the screen. `preview` is the encoded image to show (its cells are left blank, or
    /// hold the text for ASCII); returns the canvas and the overlay rectangle, if any.
    public static func render(_ state: StudioState, layout: Layout,
                              preview: TerminalImage.Rendered?) -> (canvas: Canvas, overlayRect: CellRect?) {
        var canvas = Canvas(rows: layout.rows, columns: layout.columns)
        if layout.tooSmall {
            drawTooSmall(&canvas, layout: layout)
            return (canvas, nil)
        }
        drawTitle(&canvas, state, layout)
        switch state.overlay.mode {
        case .main, .help, .confirmQuit:
            drawEditors(&canvas, state, layout)
            drawSettings(&canvas, state, layout)
        case .history, .favorites, .confirmDelete:
            drawList(&canvas, state, layout)
        case .models:
            drawModelList(&canvas, state, layout)
        case .sweep, .grid:
            drawGridPanel(&canvas, state, layout)
        }
        let overlay = drawPreview(&canvas, state, layout, preview: preview)
        drawFooter(&canvas, state, layout)
        drawStatus(&canvas, state, layout)  // after the footer: a long message continues over it
        if state.overlay.mode == .help {
            drawHelp(&canvas, layout)
            canvas.cursor = nil
            return (canvas, nil)
        }
        if state.overlay.mode == .confirmQuit {
            drawConfirmQuit(&canvas, state, layout)
            canvas.cursor = nil
            return (canvas, nil)
        }
        return (canvas, overlay)
    }

    /// The question before quitting with favorites that were not written to disk.
    static func drawConfirmQuit(_ canvas: inout Canvas, _ state: StudioState, _ layout: Layout) {
        let w = min(layout.columns - 2, 56)
        let rect = CellRect(row: layout.rows / 2 - 3, column: (layout.columns - w) / 2, rows: 5, columns: w)
        let count = state.library.unsavedFavoriteIDs.count
        canvas.fill(rect, role: .help)
        canvas.box(rect, title: "Quit?", role: .help, titleRole: .helpKey)
        canvas.put("\(count) favorite\(count == 1 ? " was" : "s were") not saved to disk and will be lost.",
                   row: rect.row + 1, column: rect.column + 2, role: .help, limit: rect.columns - 4)
        canvas.put("y or Ctrl-Q quits, any other key stays", row: rect.row + 2, column: rect.column + 2,
                   role: .helpKey, limit: rect.columns - 4)
    }

    static func drawTooSmall(_ canvas: inout Canvas, layout: Layout) {
        let lines = ["make the window larger",
                     "needs \(Layout.minimumColumns)×\(Layout.minimumRows), has \(layout.columns)×\(layout.rows)",
                     "(Ctrl-Q quits)"]
        let top = max(0, layout.rows / 2 - 1)
        for (i, line) in lines.enumerated() {
            let text = DisplayWidth.truncate(line, to: layout.columns)
            let col = max(0, (layout.columns - DisplayWidth.of(text)) / 2)
            canvas.put(text, row: top + i, column: col, role: i == 0 ? .statusWarning : .text)
        }
    }

    static func drawTitle(_ canvas: inout Canvas, _ state: StudioState, _ layout: Layout) {
        canvas.fill(layout.title, role: .title)
        let text = " FlowStudio · \(state.modelName) — \(state.modelSummary)"
        canvas.put(DisplayWidth.truncate(text, to: layout.columns - 1), row: 0, column: 0, role: .title)
    }

    static func drawEditors(_ canvas: inout Canvas, _ state: StudioState, _ layout: Layout) {
        for (field, box) in [(StudioField.prompt, layout.promptBox), (.negative, layout.negativeBox)] {
            let focused = state.editor.focus == field && state.overlay.mode == .main
            let editor = field == .prompt ? state.editor.prompt : state.editor.negative
            canvas.box(box, title: field == .prompt ? "Prompt" : "Negative prompt", role: focused ? .focusBorder : .border,
                       titleRole: focused ? .focus : .boxTitle)
            let area = box.inset(1)
            guard !area.isEmpty else { continue }
            let lines = editor.wrappedText(width: area.columns)
            let cursor = editor.cursorPosition(width: area.columns)
            // Scroll so the cursor's line is visible.
            let first = max(0, min(cursor.row - area.rows + 1, lines.count - area.rows))
            if editor.isEmpty && !focused {
                let hint = field == .prompt ? "type a prompt; Enter generates" : "what to avoid (optional)"
                canvas.put(hint, row: area.row, column: area.column, role: .placeholder, limit: area.columns)
            }
            for i in 0..<area.rows where first + i < lines.count {
                canvas.put(lines[first + i], row: area.row + i, column: area.column, role: .editor, limit: area.columns)
            }
            if first > 0 { canvas.put("↑", row: box.row, column: box.right - 3, role: .border) }
            if first + area.rows < lines.count { canvas.put("↓", row: box.bottom - 1, column: box.right - 3, role: .border) }
            if focused {
                canvas.cursor = (area.row + cursor.row - first, area.column + min(cursor.column, area.columns - 1))
            }
        }
    }

    /// A field's hint, longest form first: the first that fits is shown, and none when none fits
    /// (a cut hint would mislead: "1–100" for 1–1000).
    static func hints(_ field: StudioField, _ state: StudioState) -> [String] {
        // "1–1000" for SamplingLimits' "1…1000".
        func range(_ described: String) -> String { described.replacingOccurrences(of: "…", with: "–") }
        let cfg = range(SamplingLimits.cfgRule.describedRange), shift = range(SamplingLimits.shiftRule.describedRange)
        switch field {
        case .steps: return [range(SamplingLimits.stepsRule.describedRange)]
        case .cfg: return ["\(cfg), 1 = off", cfg]
        case .seed: return ["^R random", "^R"]
        case .seedMode: return ["fixed/random/increment", "3 modes"]
        case .shift: return ["\(shift), SD3: 3", shift]
        case .sampler: return ["Euler/Heun"]
        case .size: return state.editor.supportedSizes.count > 1 ? ["\(state.editor.supportedSizes.count) sizes"] : ["fixed by model", "fixed"]
        case .preview: return ["shown each step", "each step"]
        case .live: return ["^G; re-run on edit", "^G"]
        default: return []
        }
    }

    static func drawSettings(_ canvas: inout Canvas, _ state: StudioState, _ layout: Layout) {
        let area = layout.settings
        let labelWidth = 11
        for (i, field) in StudioField.settings.enumerated() where i < area.rows {
            let row = area.row + i
            let focused = state.editor.focus == field && state.overlay.mode == .main
            let editing = focused && state.editor.fieldInput != nil
            canvas.put(field.label, row: row, column: area.column, role: focused ? .focus : .label, limit: labelWidth)
            var value = editing ? state.editor.fieldInput! + "▏" : state.editor.value(of: field)
            if focused && !editing && !field.isNumeric { value = "‹ \(value) ›" }
            let valueColumn = area.column + labelWidth + 1
            let used = canvas.put(value, row: row, column: valueColumn, role: focused ? .focus : .value,
                                  limit: area.right - valueColumn)
            // Hints line up in a column after the values when there is room; in a narrow
            // window they move right, up to the edge, rather than be cut.
            let column = valueColumn + max(used, 14) + 1, earliest = valueColumn + used + 2
            if let hint = hints(field, state).first(where: { DisplayWidth.of($0) <= area.right - earliest }) {
                canvas.put(hint, row: row, column: min(column, area.right - DisplayWidth.of(hint)), role: .dim)
            }
        }
    }

    static func drawList(_ canvas: inout Canvas, _ state: StudioState, _ layout: Layout) {
        let box = layout.leftColumn
        let isHistory = state.overlay.mode == .history
        let count = isHistory ? state.library.history.count : state.library.favorites.count
        canvas.box(box, title: isHistory ? "History (\(count))" : "Favorites (\(count))", role: .focusBorder, titleRole: .focus)
        let area = box.inset(1)
        let listRows = max(0, area.rows - 2)
        if count == 0 {
            canvas.put(isHistory ? "nothing generated yet" : "no favorites yet: Ctrl-S saves the current image",
                       row: area.row, column: area.column, role: .placeholder, limit: area.columns)
        }
        let first = max(0, min(state.overlay.listSelection - listRows / 2, count - listRows))
        for i in 0..<listRows where first + i < count {
            let index = first + i
            let line: String
            if isHistory {
                let e = state.library.history[index]
                let branch = e.settings.isBranch ? "↳" + (e.parent.map { "#\($0)" } ?? "") + "@\(e.settings.branchStep) " : ""
                line = "#\(e.number) \(branch) \(DisplayWidth.truncate(oneLine(e.settings.prompt, empty: "(empty)"), to: 20))  seed \(e.settings.seed)  \(e.settings.steps) st  " + String(format: "%.2fs", e.seconds)
            } else {
                let e = state.library.favorites[index]
                line = "\(DisplayWidth.truncate(oneLine(e.settings.prompt, empty: "(empty)"), to: 22))  seed \(e.settings.seed)  \(e.settings.steps) st"
            }
            let selected = index == state.overlay.listSelection
            if selected { canvas.fill(CellRect(row: area.row + i, column: area.column, rows: 1, columns: area.columns), role: .selection) }
            canvas.put(line, row: area.row + i, column: area.column, role: selected ? .selection : .text, limit: area.columns)
        }
        let help = Keymap.footer(for: isHistory ? [.lists] : [.favorites, .lists]).map { "\($0.key) \($0.label)" }
            .joined(separator: "  ")
        canvas.put(help, row: area.bottom - 1, column: area.column, role: .dim, limit: area.columns)
        if case let .confirmDelete(index) = state.overlay.mode, state.library.favorites.indices.contains(index) {
            let w = min(area.columns, 40)
            let rect = CellRect(row: area.row + area.rows / 2 - 2, column: area.column + (area.columns - w) / 2, rows: 4, columns: w)
            canvas.fill(rect, role: .help)
            canvas.box(rect, title: "Remove favorite?", role: .help, titleRole: .helpKey)
            canvas.put("y removes it, any other key keeps it", row: rect.row + 1, column: rect.column + 2, role: .help,
                       limit: rect.columns - 4)
            canvas.put(DisplayWidth.truncate(oneLine(state.library.favorites[index].settings.prompt, empty: "(empty prompt)"), to: w - 4),
                       row: rect.row + 2, column: rect.column + 2, role: .helpKey)
        }
    }

    static func oneLine(_ text: String, empty: String) -> String {
        let t = text.replacingOccurrences(of: "\n", with: " ")
        return t.isEmpty ? empty : t
    }

    /// The preview box, its progress line, and the image's place. Returns the overlay rect.
    static func drawPreview(_ canvas: inout Canvas, _ state: StudioState, _ layout: Layout,
                            preview: TerminalImage.Rendered?) -> CellRect? {
        let title: String
        switch state.overlay.mode {
        case .history:
            title = state.library.history.indices.contains(state.overlay.listSelection) ? "History #\(state.library.history[state.overlay.listSelection].number)" : "History"
        case .favorites, .confirmDelete:
            title = "Favorite"
        case .grid:
            title = gridPreviewTitle(state)
        case .main, .help, .confirmQuit, .models, .sweep:
            let source = state.editor.previewSource == .predicted ? "predicted x̂0" : "noisy x_t"
            if let i = state.run.scrubIndex { title = "Preview · step \(i + 1) of \(state.run.frames.count) · \(source) · ←/→" } else if state.run.phase == .finished {
                title = "Result" + (state.run.frames.isEmpty ? "" : " · ←/→ scrubs the steps")
            } else {
                title = "Preview · \(source)"
            }
        }
        canvas.box(layout.previewBox, title: title + branchingNote(state))
        drawProgress(&canvas, state, layout)
        let area = layout.image
        guard let preview, !area.isEmpty else {
            if state.displayedImage == nil && (state.overlay.mode == .main || state.overlay.mode == .help) {
                var row = area.row + 1
                for notice in state.notices {
                    let role: StyleRole
                    switch notice {
                    case .error: role = .statusError
                    case .warning: role = .statusWarning
                    default: role = .value
                    }
                    // Only as much of a notice as the pane can show is wrapped (a theme's huge value).
                    let (head, cut) = DisplayWidth.head(notice.text, columns: max(1, area.columns - 2) * max(1, area.rows))
                    for line in PromptEditor(cut ? head + "…" : head, maxLength: head.count + 1).wrappedText(width: area.columns - 2)
                    where row < area.bottom - 3 {
                        canvas.put(line, row: row, column: area.column + 1, role: role, limit: area.columns - 2)
                        row += 1
                    }
                    row += 1
                }
                let lines = state.isRunning ? ["starting…"] : ["Enter generates an image;", "every denoising step appears here."]
                let top = max(row, area.row + area.rows / 2 - 1)
                for (i, line) in lines.enumerated() where top + i < area.bottom {
                    let col = area.column + max(0, (area.columns - DisplayWidth.of(line)) / 2)
                    canvas.put(line, row: top + i, column: col, role: .placeholder, limit: area.columns)
                }
            }
            return nil
        }
        let rect = CellRect(row: area.row + max(0, (area.rows - preview.rows) / 2),
                            column: area.column + max(0, (area.columns - preview.columns) / 2),
                            rows: min(preview.rows, area.rows), columns: min(preview.columns, area.columns))
        if case let .textLines(lines) = preview.payload {
            for (i, line) in lines.enumerated() where i < rect.rows {
                canvas.put(line, row: rect.row + i, column: rect.column, role: .text, limit: rect.columns)
            }
            return nil
        }
        return rect
    }

    static func drawProgress(_ canvas: inout Canvas, _ state: StudioState, _ layout: Layout) {
        let area = layout.progress
        guard state.overlay.mode == .main || state.overlay.mode == .help, let settings = state.run.settings else { return }
        let n = settings.steps
        let shown = state.run.scrubIndex.map { $0 + 1 } ?? state.run.frames.count
        let frame = state.run.scrubIndex.flatMap { state.run.frames.indices.contains($0) ? state.run.frames[$0] : nil } ?? state.run.frames.last
        var text = "step \(shown)/\(n)"
        if let frame {
            text += String(format: "  σ %.3f", frame.sigma)
            let newest = state.run.frames.last.map { $0.step + 1 } ?? 0
            text += "  " + stepTiming(elapsed: state.run.frames.last?.elapsed ?? frame.elapsed, stepsDone: max(1, newest),
                                      total: n, running: state.run.phase == .running)
        }
        switch state.run.phase {
        case .running: text += "  running"
        case .finished: text += state.run.scrubIndex == nil ? String(format: "  %.2fs", state.run.result?.seconds ?? 0) : ""
        case .cancelled: text += "  cancelled"
        case .failed: text += "  failed"
        case .idle: break
        }
        let used = canvas.put(text, row: area.row, column: area.column + 1, role: .value, limit: area.columns - 2)
        let barStart = area.column + used + 3
        let barWidth = area.right - 1 - barStart
        guard barWidth >= 6 else { return }
        let filled = Int((Double(shown) / Double(max(1, n)) * Double(barWidth)).rounded())
        for i in 0..<barWidth {
            canvas.put(i < filled ? "█" : "─", row: area.row, column: barStart + i, role: i < filled ? .progress : .progressTrack)
        }
    }

    /// The sampling speed, "85 ms/step" or "12.4 s/step", and while running the time left at that
    /// speed ("ETA 5:10"): a step of a large model on a CPU takes tens of seconds.
    static func stepTiming(elapsed: Double, stepsDone: Int, total: Int, running: Bool) -> String {
        let perStep = elapsed / Double(max(1, stepsDone))
        var text = perStep < 1 ? String(format: "%.0f ms/step", perStep * 1000) : String(format: "%.1f s/step", perStep)
        if running && stepsDone < total {
            let left = Int((perStep * Double(total - stepsDone)).rounded())
            text += left < 60 ? "  ETA \(left)s" : String(format: "  ETA %d:%02d", left / 60, left % 60)
        }
        return text
    }

    /// The status line's text and colour role: the message, else the run's progress, else "ready".
    static func status(_ state: StudioState) -> (text: String, role: StyleRole) {
        guard let message = state.shownMessage else {
            if state.isRunning, let settings = state.run.settings {
                return ("generating… step \(state.run.frames.count)/\(settings.steps)", .status)
            }
            return ("ready", .status)
        }
        switch message {
        case .info: return (message.text, .status)
        case .warning: return (message.text, .statusWarning)
        case .error: return (message.text, .statusError)
        case .done: return (message.text, .statusDone)
        }
    }

    /// The status text in lines of at most `columns`: one line, or two (word-wrapped like the
    /// prompt) when it does not fit; the second then takes the footer's row, so that a long
    /// message (an error, the words the model ignores) can be read whole. What does not fit in
    /// two lines is cut with "…".
    /// Only the head of the text that two lines can show is looked at (`DisplayWidth.head`), so a
    /// huge message costs no more to draw than a short one.
    static func statusLines(_ text: String, columns: Int) -> [String] {
        guard columns > 0 else { return [""] }
        let (head, cut) = DisplayWidth.head(text, columns: 2 * columns + 8)
        guard cut || DisplayWidth.of(head) > columns else { return [head] }
        let editor = PromptEditor(head.replacingOccurrences(of: "\n", with: " "), maxLength: head.count)
        let first = editor.wrap(width: columns + 1)[0]  // wrap keeps a cursor cell: +1 for the full width
        let rest = String(editor.characters[first.next...])
        var second = DisplayWidth.truncate(rest, to: columns)
        // The head was cut by its scalar budget (zero-width marks) yet fits: still say it goes on.
        if cut && !second.hasSuffix("…") { second = DisplayWidth.head(second, columns: columns - 1).text + "…" }
        return [String(editor.characters[first.start..<first.end]), second]
    }

    /// The summary on the status line's right: model, precision, picture protocol, live mode.
    /// When it is wider than `columns`, the precision goes first (the model list shows it), then
    /// the protocol, so that "live on/off" stays readable; only the model's name is ever cut.
    static func statusSummary(_ state: StudioState, columns: Int) -> String {
        let live = "live \(state.editor.live ? "on" : "off")"
        let model = state.models.loading.map { "loading \($0.name)…" } ?? state.modelName
        let precision = state.models.loading == nil ? state.models.current.precision : ""
        let protocolName = state.previewProtocol.description
        let choices = [[model, precision, protocolName, live], [model, protocolName, live], [model, live]]
            .map { " " + $0.filter { !$0.isEmpty }.joined(separator: " · ") + " " }
        if let fitting = choices.first(where: { DisplayWidth.of($0) <= columns }) { return fitting }
        let tail = " · \(live) "
        return " " + DisplayWidth.truncate(model, to: max(1, columns - 1 - DisplayWidth.of(tail))) + tail
    }

    static func drawStatus(_ canvas: inout Canvas, _ state: StudioState, _ layout: Layout) {
        let area = layout.status
        canvas.fill(area, role: .status)
        let (message, role) = status(state)
        let (text, cut) = DisplayWidth.head(message, columns: 2 * area.columns + 8)  // what two lines can show
        // The model / protocol / live summary on the right gives way to a message that needs the room.
        // While a model loads it says so here too, whatever the message is.
        let right = statusSummary(state, columns: area.columns / 2)
        var rightWidth = min(DisplayWidth.of(DisplayWidth.head(right, columns: area.columns).text), area.columns / 2)
        if cut || DisplayWidth.of(text) + 2 > area.columns - rightWidth { rightWidth = 0 }
        if rightWidth > 0 {
            canvas.put(DisplayWidth.truncate(right, to: rightWidth), row: area.row, column: area.right - rightWidth, role: .status)
        }
        let lines = statusLines(cut ? text + "…" : text, columns: area.columns - rightWidth - 2)
        canvas.put(" " + lines[0], row: area.row, column: 0, role: role)
        if lines.count > 1 {
            canvas.fill(layout.footer, role: role)
            canvas.put(" " + lines[1], row: layout.footer.row, column: 0, role: role)
        }
    }

    static func drawFooter(_ canvas: inout Canvas, _ state: StudioState, _ layout: Layout) {
        let area = layout.footer
        canvas.fill(area, role: .footer)
        var column = 1
        for (key, action) in footerKeys {
            let width = DisplayWidth.of(key) + 1 + DisplayWidth.of(action) + 2
            guard column + width <= area.columns else { break }
            column += canvas.put(key, row: area.row, column: column, role: .footerKey)
            column += canvas.put(" " + action + "  ", row: area.row, column: column, role: .footer)
        }
    }

    /// The help box's key column and the width it needs to show every line whole.
    static var helpBoxWidths: (keys: Int, box: Int) {
        let keyWidth = helpLines.map { DisplayWidth.of($0.0) }.max()! + 2
        return (keyWidth, keyWidth + helpLines.map { DisplayWidth.of($0.1) }.max()! + 6)
    }

    /// The help lines a box fits on a terminal of `rows` rows (the rest are not shown).
    static func helpLinesShown(rows: Int) -> Int { min(rows - 2, helpLines.count + 4) - 3 }

    static func drawHelp(_ canvas: inout Canvas, _ layout: Layout) {
        let (keyWidth, needed) = helpBoxWidths
        let width = min(layout.columns - 4, needed)
        let height = min(layout.rows - 2, helpLines.count + 4)  // it may cover the status line, not the title
        let rect = CellRect(row: max(1, (layout.rows - height) / 2), column: (layout.columns - width) / 2, rows: height, columns: width)
        canvas.fill(rect, role: .help)
        canvas.box(rect, title: "Keys — any key closes", role: .help, titleRole: .helpKey)
        for (i, line) in helpLines.enumerated() where i < rect.rows - 3 {
            canvas.put(line.0, row: rect.row + 2 + i, column: rect.column + 2, role: .helpKey)
            canvas.put(line.1, row: rect.row + 2 + i, column: rect.column + 2 + keyWidth, role: .help,
                       limit: rect.columns - keyWidth - 4)
        }
    }
}
