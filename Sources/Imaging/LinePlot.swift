import Foundation
import FlowCore

/// A line chart drawn into an `RGBImage`: one coloured line (with point markers) per series,
/// axes with ticks, tick labels and titles, a title and a legend, linear or logarithmic axes.
/// Points that a logarithmic axis cannot show (≤ 0) and non-finite points are left out.
///
///     var plot = LinePlot(title: "Validation loss", xTitle: "training step", yTitle: "loss")
///     plot.series.append(.init(name: "uniform", points: [(100, 0.5), (200, 0.4)], color: PlotPalette.color(0)))
///     try PNG.write(plot.render(), to: url)
public struct LinePlot: Sendable {
    /// How an axis maps values to pixels.
    public enum Scale: Sendable, Equatable {
        case linear, logarithmic
    }

    /// One line: its legend name, points in drawing order, colour.
    public struct Series: Sendable {
        public var name: String
        public var points: [Point]
        public var color: RGB
        /// Draw the points as squares (always drawn when the series has one point).
        public var markers: Bool
        /// Join the points with lines.
        public var lines: Bool

        public init(name: String, points: [(Double, Double)], color: RGB, markers: Bool = true, lines: Bool = true) {
            self.name = name
            self.points = points.map { Point(x: $0.0, y: $0.1) }
            self.color = color
            self.markers = markers
            self.lines = lines
        }
    }

    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double
        public init(x: Double, y: Double) { self.x = x; self.y = y }
    }

    public var title: String
    public var xTitle: String
    public var yTitle: String
    public var xScale: Scale
    public var yScale: Scale
    public var series: [Series] = []
    /// A fixed range for the y axis (e.g. 0...1 for scores) instead of the data's; points
    /// outside it are drawn clipped to the frame.
    public var yRange: ClosedRange<Double>?
    /// Lines of text under the title (e.g. a fitted law).
    public var notes: [String] = []
    /// Image size in pixels.
    public var width: Int
    public var height: Int
    /// Font scale of every text (the bitmap font is 6×9 pixels per character at scale 1).
    public var textScale = 2

    public init(title: String, xTitle: String, yTitle: String, xScale: Scale = .linear, yScale: Scale = .linear,
                width: Int = 1000, height: Int = 620) {
        self.title = title
        self.xTitle = xTitle
        self.yTitle = yTitle
        self.xScale = xScale
        self.yScale = yScale
        self.width = max(200, width)
        self.height = max(150, height)
    }

    /// The points of `series` the axes can show.
    func drawable(_ series: Series) -> [Point] {
        series.points.filter { p in
            p.x.isFinite && p.y.isFinite && (xScale == .linear || p.x > 0) && (yScale == .linear || p.y > 0)
        }
    }

    /// Draws the chart.
    public func render() -> RGBImage {
        var image = RGBImage(width: width, height: height, fill: .white)
        let all = series.flatMap(drawable)
        let xAxis = Axis(scale: xScale, values: all.map(\.x))
        let yAxis = Axis(scale: yScale, values: yRange.map { [$0.lowerBound, $0.upperBound] } ?? all.map(\.y))
        let frame = layout(yAxis: yAxis)
        drawTitle(into: &image)
        drawGrid(into: &image, frame: frame, x: xAxis, y: yAxis)
        drawSeries(into: &image, frame: frame, x: xAxis, y: yAxis)
        drawAxes(into: &image, frame: frame, x: xAxis, y: yAxis)
        drawLegend(into: &image, frame: frame)
        if all.isEmpty {
            let text = "no data"
            let size = BitmapFont.size(of: text, scale: textScale)
            image.drawText(text, x: frame.left + (frame.width - size.width) / 2, y: frame.top + (frame.height - size.height) / 2,
                           color: .gray, scale: textScale)
        }
        return image
    }

    func drawSeries(into image: inout RGBImage, frame: Frame, x: Axis, y: Axis) {
        for s in series {
            let points = drawable(s).map { (frame.left + Int((x.fraction($0.x) * Double(frame.width)).rounded()),
                                            frame.bottom - Int((min(1, max(0, y.fraction($0.y))) * Double(frame.height)).rounded())) }
            if s.lines {
                for (a, b) in zip(points, points.dropFirst()) {
                    image.drawLine(x0: a.0, y0: a.1, x1: b.0, y1: b.1, color: s.color, thickness: 3)
                }
            }
            if s.markers || points.count == 1 {
                for p in points { image.fill(x: p.0 - 4, y: p.1 - 4, width: 9, height: 9, color: s.color) }
            }
        }
    }

    func drawTitle(into image: inout RGBImage) {
        let lines = [title] + notes
        var y = 10
        for (i, line) in lines.enumerated() {
            let scale = textScale
            let size = BitmapFont.size(of: line, scale: scale)
            image.drawText(line, x: max(4, (width - size.width) / 2), y: y, color: i == 0 ? .black : .darkGray, scale: scale)
            y += size.height + 6
        }
    }
}

extension RGB {
    static let gray = RGB(150, 150, 150)
    static let darkGray = RGB(70, 70, 70)
    static let gridGray = RGB(228, 228, 228)
}
