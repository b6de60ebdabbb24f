/// Renders an image as terminal lines of upper half blocks `▀`: each character cell shows two
/// pixels, the top one as the foreground colour and the bottom one as the background.
///
/// SGR sequences are emitted only when a colour differs from the previous cell's; every line
/// ends with `ESC[0m`, so lines are independent. With an odd height the last line's bottom
/// half uses the terminal's default background (`ESC[49m`).

import FlowCore
public enum HalfBlocks {
    /// How colours are written.
    public enum ColorMode: Sendable, Equatable {
        /// 24-bit: `ESC[38;2;r;g;bm` / `ESC[48;2;r;g;bm`.
        case truecolor
        /// xterm 256 colours: `ESC[38;5;nm` / `ESC[48;5;nm`, mapped by `Palette256.index`.
        case ansi256
    }

    /// One string per pair of pixel rows (`ceil(height / 2)` lines of `width` cells).
    public static func render(_ image: RGBImage, mode: ColorMode) -> [String] {
        var lines: [String] = []
        lines.reserveCapacity((image.height + 1) / 2)
        var y = 0
        while y < image.height {
            var line: [UInt8] = []
            line.reserveCapacity(image.width * 24)
            var foreground = -1, background = -1  // -1: nothing emitted yet on this line
            for x in 0..<image.width {
                let top = key(image[x: x, y: y], mode)
                let bottom = y + 1 < image.height ? key(image[x: x, y: y + 1], mode) : defaultBackground
                if top != foreground {
                    appendSGR(&line, layer: 38, key: top, mode: mode)
                    foreground = top
                }
                if bottom != background {
                    appendSGR(&line, layer: 48, key: bottom, mode: mode)
                    background = bottom
                }
                line += [0xE2, 0x96, 0x80]  // ▀ U+2580
            }
            line += Array("\u{1B}[0m".utf8)
            lines.append(String(decoding: line, as: UTF8.self))
            y += 2
        }
        return lines
    }

    /// The key that stands for the terminal's default background.
    static let defaultBackground = -2

    /// A colour as the mode writes it: 0xRRGGBB for truecolor, the palette index for 256.
    @inline(__always)
    static func key(_ c: RGB, _ mode: ColorMode) -> Int {
        switch mode {
        case .truecolor: return Int(c.r) << 16 | Int(c.g) << 8 | Int(c.b)
        case .ansi256: return Int(Palette256.index(c))
        }
    }

    /// Appends `ESC[<layer>;2;r;g;bm`, `ESC[<layer>;5;nm` or `ESC[49m` as bytes.
    static func appendSGR(_ line: inout [UInt8], layer: Int, key: Int, mode: ColorMode) {
        line.append(0x1B)
        line.append(0x5B)  // [
        if key == defaultBackground {
            line += [0x34, 0x39, 0x6D]  // 49m
            return
        }
        appendDecimal(&line, layer)
        switch mode {
        case .truecolor:
            line += [0x3B, 0x32, 0x3B]  // ;2;
            appendDecimal(&line, key >> 16)
            line.append(0x3B)
            appendDecimal(&line, key >> 8 & 0xFF)
            line.append(0x3B)
            appendDecimal(&line, key & 0xFF)
        case .ansi256:
            line += [0x3B, 0x35, 0x3B]  // ;5;
            appendDecimal(&line, key)
        }
        line.append(0x6D)  // m
    }

    /// Appends 0...999 in decimal.
    @inline(__always)
    static func appendDecimal(_ line: inout [UInt8], _ v: Int) {
        if v >= 100 { line.append(0x30 + UInt8(v / 100)) }
        if v >= 10 { line.append(0x30 + UInt8(v / 10 % 10)) }
        line.append(0x30 + UInt8(v % 10))
    }
}
