import FlowCore
import Testing
@testable import Imaging

@Suite struct LinePlotTests {
    /// A two-series plot: each series' colour is on the image (lines and legend), the image has
    /// the asked size, and a point is drawn where the axis maps it.
    @Test func drawsEachSeriesInItsColour() {
        var plot = LinePlot(title: "t", xTitle: "x", yTitle: "y", width: 600, height: 400)
        plot.series = [.init(name: "a", points: [(0, 0), (10, 1)], color: PlotPalette.color(0)),
                       .init(name: "b", points: [(0, 1), (10, 0)], color: PlotPalette.color(1))]
        let image = plot.render()
        #expect(image.width == 600 && image.height == 400)
        func count(_ c: RGB) -> Int {
            var n = 0
            for y in 0..<image.height { for x in 0..<image.width where image[x: x, y: y] == c { n += 1 } }
            return n
        }
        #expect(count(PlotPalette.color(0)) > 300)
        #expect(count(PlotPalette.color(1)) > 300)
        // The frame: the y axis at the plotting area's left edge is black from top to bottom.
        let all = plot.series.flatMap(plot.drawable)
        let frame = plot.layout(yAxis: .init(scale: .linear, values: all.map(\.y)))
        #expect(image[x: frame.left, y: (frame.top + frame.bottom) / 2] == .black)
        // Series a's first point (0, 0) is the frame's bottom-left corner (domain 0...10, 0...1).
        #expect(image[x: frame.left + 3, y: frame.bottom - 3] == PlotPalette.color(0))
    }

    @Test func logAxesDropPointsTheyCannotShow() {
        var plot = LinePlot(title: "t", xTitle: "x", yTitle: "y", xScale: .logarithmic, yScale: .logarithmic)
        plot.series = [.init(name: "a", points: [(0, 1), (10, 0.5), (100, -1), (1000, 0.25)], color: .red)]
        #expect(plot.drawable(plot.series[0]) == [.init(x: 10, y: 0.5), .init(x: 1000, y: 0.25)])
        _ = plot.render()
    }

    @Test func emptyPlotStillRenders() {
        let image = LinePlot(title: "nothing", xTitle: "x", yTitle: "y", width: 300, height: 200).render()
        #expect(image.width == 300 && image.height == 200)
    }

    @Test func linesAreClippedAndEnd() {
        var image = RGBImage(width: 10, height: 10)
        image.drawLine(x0: -100, y0: 5, x1: 100, y1: 5, color: .white)
        for x in 0..<10 { #expect(image[x: x, y: 5] == .white) }
        image.drawLine(x0: 0, y0: 0, x1: 9, y1: 9, color: .red, thickness: 1)
        for i in 0..<10 { #expect(image[x: i, y: i] == .red) }
    }
}
