/// What a cell is, for colouring: every element the theme names.
public enum StyleRole: String, CaseIterable, Sendable {
    case text, title, border, focusBorder, boxTitle, label, value, focus, editor, placeholder, dim
    case status, statusWarning, statusError, statusDone, footer, footerKey
    case progress, progressTrack, selection, help, helpKey
}

/// One character cell.
public struct Cell: Equatable, Sendable {
    public var character: Character
    public var role: StyleRole
    /// The right half of a double-width character drawn in the cell to the left.
    public var isContinuation: Bool

    public init(_ character: Character = " ", role: StyleRole = .text, isContinuation: Bool = false) {
        self.character = character
        self.role = role
        self.isContinuation = isContinuation
    }
}

/// A screenful of styled cells: the view draws into it, a `Terminal` shows it. Plain data, so
/// tests read it back as text.
public struct Canvas: Equatable, Sendable {
    public let rows: Int
    public let columns: Int
    public private(set) var cells: [Cell]
    /// Where the text cursor is shown (the prompt editor's caret), or nil to hide it.
    public var cursor: (row: Int, column: Int)? {
        get { cursorCell.map { ($0 / max(1, columns), $0 % max(1, columns)) } }
        set { cursorCell = newValue.map { $0.row * columns + $0.column } }
    }
    private var cursorCell: Int?

    public init(rows: Int, columns: Int, role: StyleRole = .text) {
        self.rows = max(0, rows)
        self.columns = max(0, columns)
        cells = Array(repeating: Cell(role: role), count: self.rows * self.columns)
    }

    public subscript(row: Int, column: Int) -> Cell {
        get { cells[row * columns + column] }
        set { cells[row * columns + column] = newValue }
    }

    /// Writes `text` from (row, column), clipped to `limit` columns (and the canvas). Wide
    /// characters take two cells; one that would straddle the limit is dropped. Returns the
    /// columns written.
    @discardableResult
    public mutating func put(_ text: String, row: Int, column: Int, role: StyleRole, limit: Int? = nil) -> Int {
        guard row >= 0 && row < rows && column < columns else { return 0 }
        let end = min(columns, column + (limit ?? columns))
        var c = column
        for ch in text {
            let w = ch == "\n" ? 1 : DisplayWidth.of(ch)
            if w == 0 {
                continue  // combining marks are part of their Character already
            }
            if c + w > end { break }
            if c >= 0 {
                self[row, c] = Cell(ch == "\n" ? " " : ch, role: role)
                if w == 2 { self[row, c + 1] = Cell(" ", role: role, isContinuation: true) }
            }
            c += w
        }
        return c - column
    }

    /// Fills a rectangle with one character and role.
    public mutating func fill(_ rect: CellRect, with character: Character = " ", role: StyleRole) {
        for r in max(0, rect.row)..<min(rows, rect.bottom) {
            for c in max(0, rect.column)..<min(columns, rect.right) {
                self[r, c] = Cell(character, role: role)
            }
        }
    }

    /// Draws a box border with an optional title in the top edge.
    public mutating func box(_ rect: CellRect, title: String? = nil, role: StyleRole = .border, titleRole: StyleRole = .boxTitle) {
        guard rect.rows >= 2 && rect.columns >= 2 else { return }
        let (top, bottom, left, right) = (rect.row, rect.bottom - 1, rect.column, rect.right - 1)
        for c in left...right {
            put("─", row: top, column: c, role: role)
            put("─", row: bottom, column: c, role: role)
        }
        for r in top...bottom {
            put("│", row: r, column: left, role: role)
            put("│", row: r, column: right, role: role)
        }
        put("┌", row: top, column: left, role: role)
        put("┐", row: top, column: right, role: role)
        put("└", row: bottom, column: left, role: role)
        put("┘", row: bottom, column: right, role: role)
        if let title, rect.columns > 6 {
            put(" \(DisplayWidth.truncate(title, to: rect.columns - 6)) ", row: top, column: left + 2, role: titleRole)
        }
    }

    /// The text of a row (continuation cells omitted), for tests and the fake terminal.
    public func text(row: Int) -> String {
        var s = ""
        for c in 0..<columns where !self[row, c].isContinuation { s.append(self[row, c].character) }
        return s
    }

    /// The whole screen as lines of text.
    public var text: String { (0..<rows).map { text(row: $0) }.joined(separator: "\n") }

    /// Runs of equally styled cells of a row: (first column, text, role).
    public func runs(row: Int) -> [(column: Int, text: String, role: StyleRole)] {
        var out: [(Int, String, StyleRole)] = []
        var c = 0
        while c < columns {
            let role = self[row, c].role
            var text = ""
            let start = c
            while c < columns && self[row, c].role == role {
                if !self[row, c].isContinuation { text.append(self[row, c].character) }
                c += 1
            }
            out.append((start, text, role))
        }
        return out
    }

    public static func == (a: Canvas, b: Canvas) -> Bool {
        a.rows == b.rows && a.columns == b.columns && a.cells == b.cells && a.cursorCell == b.cursorCell
    }
}
