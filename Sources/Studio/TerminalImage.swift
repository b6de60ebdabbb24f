import FlowCore
import Imaging

/// Draws an `RGBImage` for a terminal with a given `PreviewProtocol`: fits it into a box of
/// cells (by whole pixel multiples when it is smaller, area-averaged when larger) and encodes
/// it. The studio's preview pane and `flowstudio generate --show` both use it.
public enum TerminalImage {
    /// The kitty image id of the studio's picture (and of `generate --show`'s).
    public static let kittyImageID = 1750
    /// The kitty placement id of the studio's picture.
    public static let kittyPlacementID = 1

    /// The image as drawn: its payload and the cells it covers.
    public struct Rendered: Equatable, Sendable {
        /// Cells covered.
        public var columns: Int
        public var rows: Int
        public var payload: Payload
        public enum Payload: Equatable, Sendable {
            /// A sixel DCS.
            case sixel([UInt8])
            /// kitty graphics commands (transmit and place, one per payload chunk), placed with
            /// `TerminalImage.kittyImageID` so the next picture replaces this one.
            case kitty([[UInt8]])
            /// An iTerm2 inline image (`OSC 1337 ; File=`).
            case iterm2([UInt8])
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
        case .sixel, .kitty, .iterm2: (boxW, boxH) = (columns * cellPixels.width, rows * cellPixels.height)
        case .truecolor, .ansi256, .ascii: (boxW, boxH) = (columns, rows * 2)
        }
        guard image.width > 0, image.height > 0, boxW > 0, boxH > 0 else { return RGBImage(width: 0, height: 0) }
        let factor = min(boxW / image.width, boxH / image.height)
        if factor >= 2 { return image.scaled(by: factor) }
        if factor == 1 { return image }
        return image.fitted(maxWidth: boxW, maxHeight: boxH)
    }

    /// Fits and encodes `image` for a box of `columns × rows` cells. kitty pictures go as PNG
    /// (`kittyFormat`), or as RGB when PNG encoding fails; iTerm2 pictures always as PNG (an
    /// iTerm2 picture whose PNG cannot be made is drawn as 24-bit half blocks). A kitty picture
    /// replaces any earlier one with the same `kittyImageID`.
    public static func render(_ image: RGBImage, protocol p: PreviewProtocol, columns: Int, rows: Int,
                              cellPixels: (width: Int, height: Int), sixel: SixelEncoder = .fitted(),
                              kittyFormat: KittyGraphics.Format = .png, kittyImageID: Int = kittyImageID) -> Rendered {
        let fit = fitted(image, protocol: p, columns: columns, rows: rows, cellPixels: cellPixels)
        let cw = max(1, cellPixels.width), ch = max(1, cellPixels.height)
        let pixelColumns = (fit.width + cw - 1) / cw, pixelRows = (fit.height + ch - 1) / ch
        switch p {
        case .sixel:
            return Rendered(columns: pixelColumns, rows: pixelRows, payload: .sixel(sixel.encode(fit)))
        case .kitty:
            guard fit.width > 0, fit.height > 0 else { return Rendered(columns: 0, rows: 0, payload: .kitty([])) }
            let png = kittyFormat == .png ? try? PNG.encoded(fit) : nil
            let commands = KittyGraphics.place(fit, format: png == nil ? .rgb : .png, png: png, imageID: kittyImageID,
                                               placementID: kittyPlacementID, columns: pixelColumns, rows: pixelRows)
            return Rendered(columns: pixelColumns, rows: pixelRows, payload: .kitty(commands))
        case .iterm2:
            guard fit.width > 0, fit.height > 0, let png = try? PNG.encoded(fit) else {
                return render(image, protocol: .truecolor, columns: columns, rows: rows, cellPixels: cellPixels)
            }
            return Rendered(columns: pixelColumns, rows: pixelRows,
                            payload: .iterm2(ITerm2Image.inline(png: png, columns: pixelColumns, rows: pixelRows)))
        case .truecolor, .ansi256:
            let lines = HalfBlocks.render(fit, mode: p == .truecolor ? .truecolor : .ansi256)
            return Rendered(columns: fit.width, rows: lines.count, payload: .ansiLines(lines))
        case .ascii:
            let lines = AsciiShades.render(fit)
            return Rendered(columns: fit.width, rows: lines.count, payload: .textLines(lines))
        }
    }

    /// Bytes that print `image` at the cursor of a plain (non-curses) terminal, then a newline:
    /// for `flowstudio generate --show`. The picture fits `maxColumns × maxRows` cells. With
    /// `passthrough` (inside tmux) the picture's sequences are wrapped for tmux, in one piece.
    /// A kitty picture first makes room (newlines, then the cursor back up), is placed without
    /// moving the cursor, and the cursor then goes below it; pictures printed one after another
    /// need different `kittyImageID`s to all stay on the screen.
    public static func printable(_ image: RGBImage, protocol p: PreviewProtocol, maxColumns: Int, maxRows: Int,
                                 cellPixels: (width: Int, height: Int) = (10, 20),
                                 sixel: SixelEncoder = .fitted(), passthrough: Passthrough? = nil,
                                 kittyImageID: Int = kittyImageID) -> [UInt8] {
        let rendered = render(image, protocol: p, columns: maxColumns, rows: maxRows, cellPixels: cellPixels, sixel: sixel,
                              kittyImageID: kittyImageID)
        let wrap: ([UInt8]) -> [UInt8] = { passthrough == nil ? $0 : Passthrough.wrap($0) }
        switch rendered.payload {
        case let .sixel(bytes): return wrap(bytes) + [0x0A]
        case let .iterm2(bytes): return wrap(bytes) + [0x0A]
        case let .kitty(commands):
            guard rendered.rows > 0 else { return [] }
            var out = [UInt8](repeating: 0x0A, count: rendered.rows) + Array("\u{1B}[\(rendered.rows)A".utf8)
            // Through tmux all chunks go in one passthrough: tmux moves the outer cursor to the
            // top left after each one.
            out += passthrough == nil ? commands.flatMap { $0 } : Passthrough.wrap(commands.flatMap { $0 })
            return out + Array("\u{1B}[\(rendered.rows)B\r".utf8)
        case let .ansiLines(lines), let .textLines(lines): return Array(lines.map { $0 + "\n" }.joined().utf8)
        }
    }
}
