import FlowCore

extension LinePlot {
    /// The legend's width in pixels: a colour swatch and the longest series name.
    func legendWidth() -> Int {
        guard !series.isEmpty else { return 0 }
        let longest = series.map { BitmapFont.size(of: $0.name, scale: textScale).width }.max() ?? 0
        return 30 + 8 + longest + 10
    }

    /// One row per series right of the plotting area: a thick line in its colour, then its name.
    func drawLegend(into image: inout RGBImage, frame: Frame) {
        let rowHeight = BitmapFont.lineAdvance * textScale + 8
        let x = frame.right + 20
        for (i, s) in series.enumerated() {
            let y = frame.top + 6 + i * rowHeight
            image.fill(x: x, y: y + rowHeight / 2 - 6, width: 30, height: 4, color: s.color)
            image.fill(x: x + 11, y: y + rowHeight / 2 - 8, width: 8, height: 8, color: s.color)
            image.drawText(s.name, x: x + 38, y: y + 2, color: .black, scale: textScale)
        }
    }
}
