import FlowCore

extension RGBImage {
    /// An X/Y contact sheet: `columns` cells a row, each `cellWidth × cellHeight`, with
    /// `columnLabels` above the columns and `rowLabels` left of the rows (none: no label
    /// column). A nil cell (not made yet) is left dark grey; a cell of another size sits centred.
    /// `highlight` frames that cell in yellow (the studio's selection). Labels are drawn with
    /// `BitmapFont`, larger for large cells, and cut to fit.
    public static func labelledGrid(_ cells: [RGBImage?], columns: Int, cellWidth: Int, cellHeight: Int,
                                    columnLabels: [String], rowLabels: [String], highlight: Int? = nil) -> RGBImage {
        let columns = max(1, columns)
        let rows = max(1, (cells.count + columns - 1) / columns)
        let scale = max(1, min(cellWidth, cellHeight) / 160)
        let pad = 2 * scale
        let labelHeight = BitmapFont.glyphHeight * scale + 2 * pad
        let longestRow = rowLabels.map(\.count).max() ?? 0
        let maxRowChars = max(1, cellWidth / (BitmapFont.advance * scale))  // no wider than a cell
        let rowLabelWidth = rowLabels.isEmpty ? 0 : min(longestRow, maxRowChars) * BitmapFont.advance * scale + 2 * pad
        let width = rowLabelWidth + pad + columns * (cellWidth + pad)
        let height = labelHeight + pad + rows * (cellHeight + pad)
        let background = RGB(24, 24, 24), text = RGB(230, 230, 230)
        var sheet = RGBImage(width: width, height: height, fill: background)
        let charsPerCell = max(1, (cellWidth + scale) / (BitmapFont.advance * scale))
        for (c, label) in columnLabels.prefix(columns).enumerated() {
            let shown = String(label.prefix(charsPerCell))
            let size = BitmapFont.size(of: shown, scale: scale)
            let x = rowLabelWidth + pad + c * (cellWidth + pad) + (cellWidth - size.width) / 2
            sheet.drawText(shown, x: x, y: pad, color: text, scale: scale)
        }
        for (r, label) in rowLabels.prefix(rows).enumerated() {
            let shown = String(label.prefix(maxRowChars))
            let size = BitmapFont.size(of: shown, scale: scale)
            let y = labelHeight + pad + r * (cellHeight + pad) + (cellHeight - size.height) / 2
            sheet.drawText(shown, x: pad, y: y, color: text, scale: scale)
        }
        for (i, cell) in cells.enumerated() {
            let x = rowLabelWidth + pad + (i % columns) * (cellWidth + pad)
            let y = labelHeight + pad + (i / columns) * (cellHeight + pad)
            if i == highlight {
                sheet.fill(x: x - pad, y: y - pad, width: cellWidth + 2 * pad, height: cellHeight + 2 * pad, color: RGB(255, 210, 0))
            }
            guard let cell else {
                sheet.fill(x: x, y: y, width: cellWidth, height: cellHeight, color: RGB(60, 60, 60))
                continue
            }
            sheet.paste(cell, x: x + (cellWidth - cell.width) / 2, y: y + (cellHeight - cell.height) / 2)
        }
        return sheet
    }
}
