import FlowCore
import Imaging

/// Draws an `RGBImage` for a terminal with a given `PreviewProtocol`: fits it into a box of
/// cells (by whole pixel multiples when it is smaller, area-averaged when larger) and encodes
/// it. The studio's preview pane and `flowstudio generate --show` both use it.
public enum TerminalImage {
    /// The image as drawn: its payload and the cells it covers.
    public struct Rendered: Equatable, Sendable {
        /// Cells covered.
        public var columns: Int
        public var rows: Int
        public var payload: Payload
        public enum Payload: Equatable, Sendable {
            /// A sixel DCS.
            case sixel([UInt8])
            /// Half-block lines with colour sequences (truecolor or 256).
            case ansiLines([String])
            /// Plain characters (ASCII shades), drawable as ordinary text.
            case textLines([String])
        }
    }

    /// The image resized for a `columns × rows` box of cells: pixels per cell are 1×2 for the
    /// half-block and ASCII renderers and `cellPixels` for sixel. A smaller image is enlarged by
    /// the largest whole factor that fits; a larger one is shrunk to fit, keeping its aspect.
    public static func fitted(_ image: RGBImage, protocol p: PreviewProtocol, columns: Int, rows: Int,
                              cellPixels: (width: Int, height: Int)) -> RGBImage {
        let (boxW, boxH): (Int, Int)
        switch p {
        case .sixel: (boxW, boxH) = (columns * cellPixels.width, rows * cellPixels.height)
        case .truecolor, .ansi256, .ascii: (boxW, boxH) = (columns, rows * 2)
        }
        guard image.width > 0, image.height > 0, boxW > 0, boxH > 0 else { return RGBImage(width: 0, height: 0) }
        let factor = min(boxW / image.width, boxH / image.height)
        if factor >= 2 { return image.scaled(by: factor) }
        if factor == 1 { return image }
        return image.fitted(maxWidth: boxW, maxHeight: boxH)
    }

    /// Fits and encodes `image` for a box of `columns × rows` cells.
    public static func render(_ image: RGBImage, protocol p: PreviewProtocol, columns: Int, rows: Int,
                              cellPixels: (width: Int, height: Int), sixel: SixelEncoder = .fitted()) -> Rendered {
        let fit = fitted(image, protocol: p, columns: columns, rows: rows, cellPixels: cellPixels)
        switch p {
        case .sixel:
            let cw = max(1, cellPixels.width), ch = max(1, cellPixels.height)
            return Rendered(columns: (fit.width + cw - 1) / cw, rows: (fit.height + ch - 1) / ch,
                            payload: .sixel(sixel.encode(fit)))
        case .truecolor, .ansi256:
            let lines = HalfBlocks.render(fit, mode: p == .truecolor ? .truecolor : .ansi256)
            return Rendered(columns: fit.width, rows: lines.count, payload: .ansiLines(lines))
        case .ascii:
            let lines = AsciiShades.render(fit)
            return Rendered(columns: fit.width, rows: lines.count, payload: .textLines(lines))
        }
    }

    /// Bytes that print `image` at the cursor of a plain (non-curses) terminal, then a newline:
    /// for `flowstudio generate --show`. The picture fits `maxColumns × maxRows` cells.
    public static func printable(_ image: RGBImage, protocol p: PreviewProtocol, maxColumns: Int, maxRows: Int,
                                 cellPixels: (width: Int, height: Int) = (10, 20),
                                 sixel: SixelEncoder = .fitted()) -> [UInt8] {
        let rendered = render(image, protocol: p, columns: maxColumns, rows: maxRows, cellPixels: cellPixels, sixel: sixel)
        switch rendered.payload {
        case let .sixel(bytes): return bytes + [0x0A]
        case let .ansiLines(lines), let .textLines(lines): return Array(lines.map { $0 + "\n" }.joined().utf8)
        }
    }
}
