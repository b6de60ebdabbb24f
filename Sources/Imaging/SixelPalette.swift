/// A fixed sixel palette: an `r × g × b` cube of levels that fits in a register budget, with
/// ordered (Bayer 8×8) dithering.
///
/// Register `n` is `(ri · levelsG + gi) · levelsB + bi`. Levels are spaced evenly in sixel
/// percent (0–100), and each level's byte value is exactly what a decoder yields for that
/// percentage (`p · 255 / 100`, truncated), so encode → decode reproduces `colors` exactly.
/// (xterm and libsixel round instead of truncating: their colours can be one level brighter;
/// an xterm -ti vt340 screenshot matched `quantizedImage` to within that one level.)
///
/// Dithering is anchored to image coordinates (`x mod 8`, `y mod 8`), so an unchanged pixel
/// gets the same register in every frame: previews do not shimmer while the sampler runs.

import FlowCore
public struct SixelPalette: Sendable, Equatable {
    /// Levels per channel.
    public let levelsR: Int, levelsG: Int, levelsB: Int
    /// The colour of each register, as a sixel decoder reproduces it.
    public let colors: [RGB]
    /// Each register's colour in sixel percent (0–100), as written in `#n;2;r;g;b`.
    public let percents: [(r: Int, g: Int, b: Int)]
    /// Whether `quantize` dithers (true) or takes the nearest level (false).
    public let dithering: Bool

    /// For channel c, Bayer cell t (0..<64) and byte value v: the register contribution
    /// (level index × channel stride) at `lookup[(c * 64 + t) * 256 + v]`.
    let lookup: [UInt8]

    public static func == (a: SixelPalette, b: SixelPalette) -> Bool {
        a.levelsR == b.levelsR && a.levelsG == b.levelsG && a.levelsB == b.levelsB && a.dithering == b.dithering
    }

    /// The largest cube that fits in `maxRegisters` (clamped to 8...256), growing green first,
    /// then red, then blue: 256 → 6×7×6 = 252 registers, 64 → 4×4×4, 16 → 2×4×2, 8 → 2×2×2.
    public init(maxRegisters: Int = 256, dithering: Bool = true) {
        let budget = min(256, max(8, maxRegisters))
        var levels = [2, 2, 2]  // r, g, b
        let weights: [Double] = [1.0, 1.2, 1.0]
        while true {
            // Grow the channel with the fewest levels per weight (ties: g, r, b) if it still fits.
            let order = [1, 0, 2].enumerated().sorted {
                (Double(levels[$0.element]) / weights[$0.element], $0.offset)
                    < (Double(levels[$1.element]) / weights[$1.element], $1.offset)
            }.map(\.element)
            guard let grow = order.first(where: { c in
                var l = levels
                l[c] += 1
                return l[0] * l[1] * l[2] <= budget
            }) else { break }
            levels[grow] += 1
        }
        self.init(levelsR: levels[0], levelsG: levels[1], levelsB: levels[2], dithering: dithering)
    }

    /// A cube with the given levels per channel (each ≥ 2, product ≤ 256).
    public init(levelsR: Int, levelsG: Int, levelsB: Int, dithering: Bool = true) {
        precondition(levelsR >= 2 && levelsG >= 2 && levelsB >= 2 && levelsR * levelsG * levelsB <= 256,
                     "a sixel cube needs ≥ 2 levels per channel and ≤ 256 registers, got \(levelsR)×\(levelsG)×\(levelsB)")
        self.levelsR = levelsR
        self.levelsG = levelsG
        self.levelsB = levelsB
        self.dithering = dithering

        func percentLevels(_ k: Int) -> [Int] { (0..<k).map { ($0 * 200 + (k - 1)) / (2 * (k - 1)) } }  // round(i·100/(k−1))
        let pr = percentLevels(levelsR), pg = percentLevels(levelsG), pb = percentLevels(levelsB)
        var colors: [RGB] = []
        var percents: [(r: Int, g: Int, b: Int)] = []
        for r in 0..<levelsR {
            for g in 0..<levelsG {
                for b in 0..<levelsB {
                    percents.append((pr[r], pg[g], pb[b]))
                    colors.append(RGB(SixelPalette.byte(percent: pr[r]), SixelPalette.byte(percent: pg[g]),
                                      SixelPalette.byte(percent: pb[b])))
                }
            }
        }
        self.colors = colors
        self.percents = percents

        // Ordered dithering per channel with uneven levels: between neighbouring levels lo < hi,
        // take hi where (v − lo)/(hi − lo) exceeds the Bayer threshold (t + 0.5)/64.
        let bayer = SixelPalette.bayer8
        var lookup = [UInt8](repeating: 0, count: 3 * 64 * 256)
        let channels = [(pr, levelsG * levelsB), (pg, levelsB), (pb, 1)]
        for (c, (percentLevels, stride)) in channels.enumerated() {
            let values = percentLevels.map { Double(SixelPalette.byte(percent: $0)) }
            for t in 0..<64 {
                let threshold = dithering ? (Double(bayer[t]) + 0.5) / 64 : 0.5
                for v in 0..<256 {
                    var j = 0
                    while j + 2 < values.count && Double(v) > values[j + 1] { j += 1 }
                    let fraction = (Double(v) - values[j]) / (values[j + 1] - values[j])
                    let level = fraction > threshold ? j + 1 : j
                    lookup[(c * 64 + t) * 256 + v] = UInt8(level * stride)
                }
            }
        }
        self.lookup = lookup
    }

    /// The byte a sixel decoder derives from a percentage: `p · 255 / 100`, truncated
    /// (as notcurses does; the golden vector `#0;2;66;18;80` → a8 2d cc relies on it).
    public static func byte(percent: Int) -> UInt8 { UInt8(min(100, max(0, percent)) * 255 / 100) }

    /// The 8×8 Bayer matrix, values 0..<64, row-major.
    static let bayer8: [UInt8] = {
        var m: [Int] = [0]
        var n = 1
        while n < 8 {
            var next = [Int](repeating: 0, count: 4 * n * n)
            for y in 0..<n {
                for x in 0..<n {
                    let v = 4 * m[y * n + x]
                    next[y * 2 * n + x] = v
                    next[y * 2 * n + x + n] = v + 2
                    next[(y + n) * 2 * n + x] = v + 3
                    next[(y + n) * 2 * n + x + n] = v + 1
                }
            }
            m = next
            n *= 2
        }
        return m.map { UInt8($0) }
    }()

    /// The register index of every pixel (`[H, W]`), dithered when `dithering` is on.
    public func quantize(_ image: RGBImage) -> [UInt8] {
        let w = image.width, h = image.height
        var indices = [UInt8](repeating: 0, count: w * h)
        image.pixels.withUnsafeBufferPointer { src in
            lookup.withUnsafeBufferPointer { lut in
                indices.withUnsafeMutableBufferPointer { dst in
                    SixelPalette.bayer8.withUnsafeBufferPointer { bayer in
                        for y in 0..<h {
                            let bayerRow = (y & 7) * 8
                            for x in 0..<w {
                                let t = Int(bayer[bayerRow + (x & 7)])
                                let s = 3 * (y * w + x)
                                let r = Int(lut[t * 256 + Int(src[s])])
                                let g = Int(lut[(64 + t) * 256 + Int(src[s + 1])])
                                let b = Int(lut[(128 + t) * 256 + Int(src[s + 2])])
                                dst[y * w + x] = UInt8(truncatingIfNeeded: r + g + b)
                            }
                        }
                    }
                }
            }
        }
        return indices
    }
}
