import Foundation
import FlowCore

extension LinePlot {
    /// One axis: its scale, domain and ticks, chosen from the values it must show.
    struct Axis {
        let scale: Scale
        let domain: ClosedRange<Double>
        let ticks: [Double]

        init(scale: Scale, values: [Double]) {
            self.scale = scale
            let low = values.min() ?? (scale == .linear ? 0 : 1), high = values.max() ?? (scale == .linear ? 1 : 10)
            (domain, ticks) = scale == .linear ? AxisTicks.linear(low: low, high: high)
                : AxisTicks.logarithmic(low: low, high: high)
        }

        /// Where `value` lies along the axis, 0 at the domain's start and 1 at its end.
        func fraction(_ value: Double) -> Double {
            switch scale {
            case .linear: return (value - domain.lowerBound) / (domain.upperBound - domain.lowerBound)
            case .logarithmic: return (log10(value) - log10(domain.lowerBound)) / (log10(domain.upperBound) - log10(domain.lowerBound))
            }
        }
    }

    /// The plotting area in pixels.
    struct Frame {
        let left: Int, top: Int, right: Int, bottom: Int
        var width: Int { right - left }
        var height: Int { bottom - top }
    }

    /// The widths the surrounding texts need: tick labels left, the title and y title above,
    /// the x title below, the legend right.
    func layout(yAxis: Axis) -> Frame {
        let s = textScale
        let labelWidth = yAxis.ticks.map { BitmapFont.size(of: AxisTicks.label($0), scale: s).width }.max() ?? 0
        let lineHeight = BitmapFont.lineAdvance * s
        let titleLines = 1 + notes.count
        let top = 10 + titleLines * (lineHeight + 6) + lineHeight + 12      // title, notes, y title
        let bottom = height - (2 * lineHeight + 22)                           // tick labels, x title
        let left = 16 + labelWidth + 10
        let right = width - legendWidth() - 20
        return Frame(left: left, top: top, right: max(right, left + 50), bottom: max(bottom, top + 50))
    }

    func drawGrid(into image: inout RGBImage, frame: Frame, x: Axis, y: Axis) {
        for tick in x.ticks {
            let px = frame.left + Int((x.fraction(tick) * Double(frame.width)).rounded())
            if px > frame.left && px < frame.right { image.fill(x: px, y: frame.top, width: 1, height: frame.height, color: .gridGray) }
        }
        for tick in y.ticks {
            let py = frame.bottom - Int((y.fraction(tick) * Double(frame.height)).rounded())
            if py > frame.top && py < frame.bottom { image.fill(x: frame.left, y: py, width: frame.width, height: 1, color: .gridGray) }
        }
    }

    /// The frame, tick marks, tick labels and axis titles (x title centred below, y title above
    /// the y axis, reading left to right).
    func drawAxes(into image: inout RGBImage, frame: Frame, x: Axis, y: Axis) {
        let s = textScale, lineHeight = BitmapFont.lineAdvance * s
        image.fill(x: frame.left, y: frame.top, width: 2, height: frame.height + 1, color: .black)
        image.fill(x: frame.left, y: frame.bottom, width: frame.width + 1, height: 2, color: .black)
        image.fill(x: frame.right, y: frame.top, width: 1, height: frame.height, color: .gray)
        image.fill(x: frame.left, y: frame.top, width: frame.width, height: 1, color: .gray)
        for tick in x.ticks {
            let px = frame.left + Int((x.fraction(tick) * Double(frame.width)).rounded())
            image.fill(x: px, y: frame.bottom, width: 2, height: 7, color: .black)
            let label = AxisTicks.label(tick), size = BitmapFont.size(of: label, scale: s)
            let lx = min(max(0, px - size.width / 2), width - size.width)
            image.drawText(label, x: lx, y: frame.bottom + 10, color: .black, scale: s)
        }
        for tick in y.ticks {
            let py = frame.bottom - Int((y.fraction(tick) * Double(frame.height)).rounded())
            image.fill(x: frame.left - 7, y: py, width: 7, height: 2, color: .black)
            let label = AxisTicks.label(tick), size = BitmapFont.size(of: label, scale: s)
            image.drawText(label, x: frame.left - 10 - size.width, y: py - size.height / 2, color: .black, scale: s)
        }
        let xTitleSize = BitmapFont.size(of: xTitle + axisNote(x.scale), scale: s)
        image.drawText(xTitle + axisNote(x.scale), x: frame.left + (frame.width - xTitleSize.width) / 2,
                       y: frame.bottom + 10 + lineHeight + 6, color: .black, scale: s)
        image.drawText(yTitle + axisNote(y.scale), x: max(4, frame.left - 10), y: frame.top - lineHeight - 8, color: .black, scale: s)
    }

    func axisNote(_ scale: Scale) -> String { scale == .logarithmic ? " (log)" : "" }
}
