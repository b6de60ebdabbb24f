import Foundation

/// The model list (Ctrl-O), drawn in the left column: the model in use, the recent ones (two
/// lines each: name, then summary), and at the bottom the line to type a path, the selected
/// model's path, and the list's keys.
extension StudioView {
    static func drawModelList(_ canvas: inout Canvas, _ state: StudioState, _ layout: Layout) {
        let box = layout.leftColumn
        let models = state.models
        let others = models.others
        canvas.box(box, title: "Models (\(others.count) recent)", role: .focusBorder, titleRole: .focus)
        let area = box.inset(1)
        let selection = state.overlay.listSelection
        let onPathLine = selection == models.pathRow

        // The entries: the model in use (row 0), then the others, two screen rows each.
        let listRows = max(0, area.rows - 5)
        let shown = max(1, listRows / 2)
        let entryCount = others.count + 1
        let first = max(0, min((onPathLine ? entryCount - 1 : selection) - shown / 2, entryCount - shown))
        for i in 0..<shown where first + i < entryCount {
            let row = first + i
            let name: String, summary: String, path: String?
            if row == 0 {
                (name, summary, path) = (models.current.name, models.current.summary, models.current.path)
            } else {
                let entry = others[row - 1]
                (name, summary, path) = (entry.name, entry.summary, entry.path)
            }
            var line = (row == 0 ? "● " : "  ") + name
            if row == 0 { line += "  (in use)" }
            if let loading = models.loading, loading.path == path { line += "  loading…" }
            let top = area.row + 2 * i
            let selected = row == selection
            if selected { canvas.fill(CellRect(row: top, column: area.column, rows: 2, columns: area.columns), role: .selection) }
            canvas.put(line, row: top, column: area.column, role: selected ? .selection : (row == 0 ? .focus : .text),
                       limit: area.columns)
            canvas.put("  " + summary, row: top + 1, column: area.column, role: selected ? .selection : .dim, limit: area.columns)
        }

        // The path line.
        let labelRow = area.bottom - 5
        canvas.put("Open a model file or folder:", row: labelRow, column: area.column, role: onPathLine ? .focus : .label,
                   limit: area.columns)
        let fieldRow = labelRow + 1, width = max(1, area.columns - 2)
        let editor = models.pathLine
        let cursor = editor.cursor
        // One line, scrolled sideways so that the cursor stays in view.
        let text = Array(editor.text)
        let start = max(0, cursor - (width - 1))
        let visible = String(text[min(start, text.count)..<min(text.count, start + width)])
        canvas.fill(CellRect(row: fieldRow, column: area.column, rows: 1, columns: area.columns), role: onPathLine ? .editor : .text)
        canvas.put("› ", row: fieldRow, column: area.column, role: onPathLine ? .focus : .dim)
        if editor.isEmpty && !onPathLine {
            canvas.put("↓ here and type a path", row: fieldRow, column: area.column + 2, role: .placeholder, limit: width)
        } else {
            canvas.put(visible, row: fieldRow, column: area.column + 2, role: .editor, limit: width)
        }
        if onPathLine {
            canvas.cursor = (fieldRow, area.column + 2 + min(DisplayWidth.of(String(text[min(start, text.count)..<cursor])), width - 1))
        }

        // What the selection is, and the keys.
        let detail: String
        if onPathLine {
            detail = "~ and relative paths (from \(models.workingDirectory)) work"
        } else if selection == 0 {
            detail = models.current.path ?? "(not loaded from a file: not in the recent list)"
        } else {
            detail = others.indices.contains(selection - 1) ? others[selection - 1].path : ""
        }
        canvas.put(keepingEnd(detail, columns: area.columns), row: area.bottom - 2, column: area.column, role: .dim,
                   limit: area.columns)
        let keys = Keymap.footer(for: onPathLine ? [.models, .modelPath] : [.models, .lists])
        canvas.put(keys.map { "\($0.key) \($0.label)" }.joined(separator: "  "), row: area.bottom - 1, column: area.column,
                   role: .dim, limit: area.columns)
    }

    /// `text`, or "…" and as much of its end as fits in `columns` (a path's end says the most).
    static func keepingEnd(_ text: String, columns: Int) -> String {
        guard DisplayWidth.of(text) > columns, columns > 1 else { return text }
        var end = ""
        for c in text.reversed() {
            guard DisplayWidth.of(String(c) + end) <= columns - 1 else { break }
            end = String(c) + end
        }
        return "…" + end
    }
}
