/// A sixel palette fitted to one image by median cut, without dithering: flat areas keep their
/// colour (to the sixel percent grid) instead of turning into a dither pattern of the fixed
/// cube's colours, and an image with fewer distinct colours than registers keeps each of them.
///
/// Pixels are counted in cells of 5 bits per channel (32 768 cells). Boxes of cells are split
/// along their longest side at the pixel-weighted median, the box with the largest
/// side × pixel count first, until there are `maxRegisters` boxes or every box is one cell.
/// A register's colour is the mean of its pixels; every pixel takes its cell's register.

import FlowCore
public struct FittedSixelPalette: SixelColorMap {
    public let colors: [RGB]
    public let percents: [(r: Int, g: Int, b: Int)]
    /// The register of every cell that holds pixels of the fitted image, `unmapped` elsewhere.
    let cellRegister: [UInt16]
    static let unmapped = UInt16.max

    /// The cell of a colour: `r₅ · 1024 + g₅ · 32 + b₅` with 5-bit channels.
    @inline(__always) static func cell(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
        Int(r >> 3) << 10 | Int(g >> 3) << 5 | Int(b >> 3)
    }

    /// A palette of at most `maxRegisters` (clamped to 2...256) colours for `image`.
    public init(fitting image: RGBImage, maxRegisters: Int = 256) {
        let budget = min(256, max(2, maxRegisters))
        var counts = [Int](repeating: 0, count: 32768)
        var sums = [Int](repeating: 0, count: 3 * 32768)
        image.pixels.withUnsafeBufferPointer { px in
            for i in stride(from: 0, to: px.count, by: 3) {
                let c = Self.cell(px[i], px[i + 1], px[i + 2])
                counts[c] += 1
                sums[3 * c] += Int(px[i])
                sums[3 * c + 1] += Int(px[i + 1])
                sums[3 * c + 2] += Int(px[i + 2])
            }
        }
        var cells = (0..<32768).filter { counts[$0] > 0 }

        // A box is a range of `cells`; its longest side decides where and whether to split it.
        struct Box { var lo: Int, hi: Int, pixels: Int, side: Int, shift: Int }
        func makeBox(_ lo: Int, _ hi: Int) -> Box {
            var (r0, r1, g0, g1, b0, b1, pixels) = (31, 0, 31, 0, 31, 0, 0)
            for c in cells[lo..<hi] {
                let (r, g, b) = (c >> 10, (c >> 5) & 31, c & 31)
                r0 = min(r0, r); r1 = max(r1, r); g0 = min(g0, g); g1 = max(g1, g); b0 = min(b0, b); b1 = max(b1, b)
                pixels += counts[c]
            }
            let (sr, sg, sb) = (r1 - r0, g1 - g0, b1 - b0)
            let (side, shift) = sg >= sr && sg >= sb ? (sg, 5) : (sr >= sb ? (sr, 10) : (sb, 0))
            return Box(lo: lo, hi: hi, pixels: pixels, side: side, shift: shift)
        }
        var boxes = cells.isEmpty ? [] : [makeBox(0, cells.count)]
        while boxes.count < budget {
            guard let best = boxes.indices.filter({ boxes[$0].side > 0 })
                .max(by: { boxes[$0].side * boxes[$0].pixels < boxes[$1].side * boxes[$1].pixels }) else { break }
            let box = boxes[best]
            func key(_ c: Int) -> Int { (c >> box.shift) & 31 }
            cells[box.lo..<box.hi].sort { key($0) < key($1) }
            // Split between two coordinates (the side is > 0, so there is such a place), where
            // the halves' pixel counts are closest.
            var split = box.lo + 1, imbalance = Int.max, seen = 0
            for i in box.lo..<(box.hi - 1) {
                seen += counts[cells[i]]
                if key(cells[i]) != key(cells[i + 1]), abs(2 * seen - box.pixels) < imbalance {
                    imbalance = abs(2 * seen - box.pixels)
                    split = i + 1
                }
            }
            boxes[best] = makeBox(box.lo, split)
            boxes.append(makeBox(split, box.hi))
        }

        var colors: [RGB] = [], percents: [(r: Int, g: Int, b: Int)] = []
        var cellRegister = [UInt16](repeating: Self.unmapped, count: 32768)
        for (register, box) in boxes.enumerated() {
            var total = [0, 0, 0]
            for c in cells[box.lo..<box.hi] {
                for k in 0..<3 { total[k] += sums[3 * c + k] }
                cellRegister[c] = UInt16(register)
            }
            // Mean byte → nearest sixel percent → the byte a decoder makes of it.
            let p = total.map { (($0 * 2 + box.pixels) / (2 * box.pixels) * 100 + 127) / 255 }
            percents.append((p[0], p[1], p[2]))
            colors.append(RGB(SixelPalette.byte(percent: p[0]), SixelPalette.byte(percent: p[1]), SixelPalette.byte(percent: p[2])))
        }
        self.colors = colors
        self.percents = percents
        self.cellRegister = cellRegister
    }

    /// The register of every pixel: its cell's, or for a colour the fitted image did not have,
    /// the nearest register colour.
    public func quantize(_ image: RGBImage) -> [UInt8] {
        var table = cellRegister
        var indices = [UInt8](repeating: 0, count: image.width * image.height)
        image.pixels.withUnsafeBufferPointer { px in
            for i in indices.indices {
                let (r, g, b) = (px[3 * i], px[3 * i + 1], px[3 * i + 2])
                let c = Self.cell(r, g, b)
                if table[c] == Self.unmapped { table[c] = UInt16(nearest(RGB(r, g, b))) }
                indices[i] = UInt8(truncatingIfNeeded: table[c])
            }
        }
        return indices
    }

    private func nearest(_ color: RGB) -> Int {
        func distance(_ a: RGB) -> Int {
            let dr = Int(a.r) - Int(color.r), dg = Int(a.g) - Int(color.g), db = Int(a.b) - Int(color.b)
            return dr * dr + dg * dg + db * db
        }
        return colors.indices.min { distance(colors[$0]) < distance(colors[$1]) } ?? 0
    }
}
