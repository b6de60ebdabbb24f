/// A small sixel decoder for tests: parses a DCS sixel string back to RGB.
///
/// It understands the introducer (`ESC P … q` or the 8-bit DCS 0x90), raster attributes
/// (`"Pan;Pad;Ph;Pv`), colour definitions in RGB percent (`#n;2;r;g;b`) and selection (`#n`),
/// repeats (`!count<byte>`), carriage return (`$`), next band (`-`) and the terminator
/// (`ESC \` or 0x9C). Percentages become bytes as `p · 255 / 100`, truncated (as notcurses,
/// whose golden vector the tests check). HLS colours (`#n;1;…`) are rejected.

import FlowCore
public enum SixelDecoder {
    /// A decoded picture.
    public struct Picture: Sendable, Equatable {
        /// The pixels; those no sixel painted hold the background colour.
        public var image: RGBImage
        /// How many pixels were painted at least once.
        public var paintedCount: Int
        /// The size from the raster attributes, if the stream had them.
        public var rasterWidth: Int?
        public var rasterHeight: Int?
    }

    /// Why a stream could not be decoded.
    public enum DecodeError: Error, Equatable, CustomStringConvertible {
        case missingIntroducer
        case missingTerminator
        case unsupportedColorSpace(register: Int, space: Int)
        case malformed(offset: Int, reason: String)

        public var description: String {
            switch self {
            case .missingIntroducer: return "not a sixel stream: no ESC P … q introducer"
            case .missingTerminator: return "the sixel stream has no ESC \\ terminator (cut short?)"
            case let .unsupportedColorSpace(register, space):
                return "register \(register) uses colour space \(space); only 2 (RGB percent) is supported"
            case let .malformed(offset, reason): return "malformed sixel at byte \(offset): \(reason)"
            }
        }
    }

    /// Decodes `bytes`; pixels never painted are `background`. The picture is the raster size,
    /// grown if sixels land outside it.
    public static func decode(_ bytes: [UInt8], background: RGB = .black) throws -> Picture {
        var i = 0
        // Introducer: ESC P <params> q, or 0x90 <params> q.
        while i < bytes.count {
            if bytes[i] == 0x90 { i += 1; break }
            if bytes[i] == 0x1B && i + 1 < bytes.count && bytes[i + 1] == 0x50 { i += 2; break }
            i += 1
        }
        guard i < bytes.count else { throw DecodeError.missingIntroducer }
        while i < bytes.count && (bytes[i] == 0x3B || (0x30...0x39).contains(bytes[i])) { i += 1 }
        guard i < bytes.count && bytes[i] == 0x71 else { throw DecodeError.missingIntroducer }
        i += 1

        func numbers() -> [Int] {
            var values: [Int] = []
            var current: Int? = nil
            while i < bytes.count {
                let b = bytes[i]
                if (0x30...0x39).contains(b) {
                    current = (current ?? 0) * 10 + Int(b - 0x30)
                } else if b == 0x3B {
                    values.append(current ?? 0)
                    current = nil
                } else {
                    break
                }
                i += 1
            }
            if let current { values.append(current) }
            return values
        }

        var registers = [Int: RGB]()
        var color = RGB.black
        var x = 0, y = 0
        var rasterWidth: Int? = nil, rasterHeight: Int? = nil
        var canvas = Canvas(background: background)

        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case 0x1B, 0x9C:  // ESC \ or ST
                if b == 0x1B && !(i + 1 < bytes.count && bytes[i + 1] == 0x5C) {
                    throw DecodeError.malformed(offset: i, reason: "ESC not followed by \\")
                }
                let width = max(rasterWidth ?? 0, canvas.extentWidth)
                let height = max(rasterHeight ?? 0, canvas.extentHeight)
                return Picture(image: canvas.image(width: width, height: height), paintedCount: canvas.painted,
                               rasterWidth: rasterWidth, rasterHeight: rasterHeight)
            case 0x22:  // "Pan;Pad;Ph;Pv
                i += 1
                let v = numbers()
                if v.count >= 4 {
                    rasterWidth = v[2]
                    rasterHeight = v[3]
                }
            case 0x23:  // #n or #n;space;a;b;c
                let start = i
                i += 1
                let v = numbers()
                guard let n = v.first else { throw DecodeError.malformed(offset: start, reason: "# without a register") }
                if v.count >= 5 {
                    guard v[1] == 2 else { throw DecodeError.unsupportedColorSpace(register: n, space: v[1]) }
                    registers[n] = RGB(SixelPalette.byte(percent: v[2]), SixelPalette.byte(percent: v[3]),
                                       SixelPalette.byte(percent: v[4]))
                } else if v.count != 1 {
                    throw DecodeError.malformed(offset: start, reason: "colour command with \(v.count) parameters")
                }
                color = registers[n] ?? .black
            case 0x21:  // !count<byte>
                let start = i
                i += 1
                let v = numbers()
                guard v.count == 1, i < bytes.count, (0x3F...0x7E).contains(bytes[i]) else {
                    throw DecodeError.malformed(offset: start, reason: "repeat without a count and a sixel byte")
                }
                canvas.paint(column: bytes[i] - 0x3F, x: x, y: y, count: v[0], color: color)
                x += v[0]
                i += 1
            case 0x24:  // $
                x = 0
                i += 1
            case 0x2D:  // -
                x = 0
                y += 6
                i += 1
            case 0x3F...0x7E:
                canvas.paint(column: b - 0x3F, x: x, y: y, count: 1, color: color)
                x += 1
                i += 1
            default:  // line breaks and other controls are ignored, as terminals do
                i += 1
            }
        }
        throw DecodeError.missingTerminator
    }

    /// A sparse canvas that grows as sixels land.
    struct Canvas {
        var background: RGB
        var pixels: [Int: RGB] = [:]  // key y * 65536 + x
        var extentWidth = 0, extentHeight = 0
        var painted: Int { pixels.count }

        mutating func paint(column: UInt8, x: Int, y: Int, count: Int, color: RGB) {
            guard column != 0 else { return }
            for row in 0..<6 where column >> UInt8(row) & 1 == 1 {
                for dx in 0..<count {
                    pixels[(y + row) * 65536 + x + dx] = color
                    extentWidth = max(extentWidth, x + dx + 1)
                    extentHeight = max(extentHeight, y + row + 1)
                }
            }
        }

        func image(width: Int, height: Int) -> RGBImage {
            var image = RGBImage(width: width, height: height, fill: background)
            for (key, color) in pixels { image[x: key % 65536, y: key / 65536] = color }
            return image
        }
    }
}
