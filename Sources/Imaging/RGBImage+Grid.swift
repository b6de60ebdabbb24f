import FlowCore

extension RGBImage {
    /// A contact sheet: the images laid out left to right, top to bottom in `columns` columns.
    ///
    /// Every cell is as large as the largest image (each image sits centred in its cell);
    /// `padding` pixels of `background` go around the sheet and between cells. An empty list
    /// gives a 0×0 image.
    public static func grid(_ images: [RGBImage], columns: Int, padding: Int = 2,
                            background: RGB = .black) -> RGBImage {
        precondition(columns >= 1, "a grid needs at least one column, got \(columns)")
        precondition(padding >= 0, "negative padding \(padding)")
        guard !images.isEmpty else { return RGBImage(width: 0, height: 0) }
        let cellWidth = images.map(\.width).max()!
        let cellHeight = images.map(\.height).max()!
        let cols = min(columns, images.count)
        let rows = (images.count + cols - 1) / cols
        var sheet = RGBImage(width: padding + cols * (cellWidth + padding),
                             height: padding + rows * (cellHeight + padding),
                             fill: background)
        for (i, image) in images.enumerated() {
            let cellX = padding + (i % cols) * (cellWidth + padding)
            let cellY = padding + (i / cols) * (cellHeight + padding)
            sheet.paste(image, x: cellX + (cellWidth - image.width) / 2, y: cellY + (cellHeight - image.height) / 2)
        }
        return sheet
    }
}
