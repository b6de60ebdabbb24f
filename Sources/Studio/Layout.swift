/// A rectangle of character cells.
public struct CellRect: Equatable, Sendable {
    public var row: Int
    public var column: Int
    public var rows: Int
    public var columns: Int

    public init(row: Int, column: Int, rows: Int, columns: Int) {
        self.row = row
        self.column = column
        self.rows = rows
        self.columns = columns
    }

    public var bottom: Int { row + rows }  // one past the last row
    public var right: Int { column + columns }  // one past the last column
    public var isEmpty: Bool { rows <= 0 || columns <= 0 }

    /// The rectangle shrunk by `n` cells on every side (a box's inside).
    public func inset(_ n: Int) -> CellRect {
        CellRect(row: row + n, column: column + n, rows: max(0, rows - 2 * n), columns: max(0, columns - 2 * n))
    }

    public func contains(row r: Int, column c: Int) -> Bool {
        r >= row && r < bottom && c >= column && c < right
    }

    public func intersects(_ other: CellRect) -> Bool {
        !isEmpty && !other.isEmpty && row < other.bottom && other.row < bottom && column < other.right && other.column < right
    }
}

/// Where everything goes on a screen of a given size.
///
/// ```
/// row 0          title: FlowStudio · model
/// rows 1…H-3     left column: prompt box, negative box, settings   │ preview box (image, then
///                (or the history / favorites list)                 │ a progress line inside)
/// row H-2        status line
/// row H-1        footer (keys)
/// ```
/// The preview box takes the right-hand columns up to the last one, so every row that crosses
/// the image ends in the box's border: curses never needs to clear to the end of such a row,
/// which would erase an image drawn as an overlay. The image never reaches the last two rows.
public struct Layout: Equatable, Sendable {
    public static let minimumColumns = 60
    public static let minimumRows = 20

    public let rows: Int
    public let columns: Int
    /// True when the screen is below the minimum: only a "make the window larger" message is drawn.
    public let tooSmall: Bool
    public let title: CellRect
    /// The prompt box (border included) and its text area.
    public let promptBox: CellRect
    public let negativeBox: CellRect
    /// One row per settings field.
    public let settings: CellRect
    /// The left column as a whole (lists use it).
    public let leftColumn: CellRect
    public let previewBox: CellRect
    /// Inside the preview box, where the image goes (above the progress line).
    public let image: CellRect
    /// The progress line inside the preview box.
    public let progress: CellRect
    public let status: CellRect
    public let footer: CellRect

    public var promptText: CellRect { promptBox.inset(1) }
    public var negativeText: CellRect { negativeBox.inset(1) }

    public init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        tooSmall = rows < Layout.minimumRows || columns < Layout.minimumColumns
        let r = max(rows, Layout.minimumRows), c = max(columns, Layout.minimumColumns)
        title = CellRect(row: 0, column: 0, rows: 1, columns: c)
        status = CellRect(row: r - 2, column: 0, rows: 1, columns: c)
        footer = CellRect(row: r - 1, column: 0, rows: 1, columns: c)
        let bodyTop = 1, bodyRows = r - 3
        let leftWidth = min(60, max(34, c * 2 / 5))
        leftColumn = CellRect(row: bodyTop, column: 0, rows: bodyRows, columns: leftWidth)
        let settingsRows = StudioField.settings.count
        let spare = bodyRows - settingsRows - 1  // one blank row above the settings
        let negativeRows = spare >= 12 ? 4 : 3
        let promptRows = max(3, min(12, spare - negativeRows))
        promptBox = CellRect(row: bodyTop, column: 0, rows: promptRows, columns: leftWidth)
        negativeBox = CellRect(row: promptBox.bottom, column: 0, rows: negativeRows, columns: leftWidth)
        settings = CellRect(row: negativeBox.bottom + 1, column: 1, rows: min(settingsRows, max(0, r - 2 - (negativeBox.bottom + 1))),
                            columns: leftWidth - 2)
        previewBox = CellRect(row: bodyTop, column: leftWidth, rows: bodyRows, columns: c - leftWidth)
        let inside = previewBox.inset(1)
        image = CellRect(row: inside.row, column: inside.column, rows: max(0, inside.rows - 1), columns: inside.columns)
        progress = CellRect(row: inside.bottom - 1, column: inside.column, rows: 1, columns: inside.columns)
    }
}
