import FlowCore

extension SixelEncoder {
    /// The plain twin of `encode`: the same bytes, built column by column with no buffers
    /// kept between colours. Slow; the tests use it as the oracle for the fast encoder.
    public func encodeReference(_ image: RGBImage) -> [UInt8] {
        let palette = colorMap(for: image)
        let indices = palette.quantize(image)
        let w = image.width, h = image.height
        var out = Array("\u{1B}P0;1;0q\"1;1;\(w);\(h)".utf8)
        for c in 0..<palette.count where indices.contains(UInt8(c)) {
            let p = palette.percents[c]
            out += Array("#\(c);2;\(p.r);\(p.g);\(p.b)".utf8)
        }
        let bands = (h + 5) / 6
        for band in 0..<bands {
            for c in 0..<palette.count {
                // The 6-bit column of colour c at every x of this band.
                var columns = [UInt8](repeating: 0, count: w)
                for x in 0..<w {
                    for row in 0..<6 where band * 6 + row < h {
                        if indices[(band * 6 + row) * w + x] == UInt8(c) { columns[x] |= 1 << UInt8(row) }
                    }
                }
                guard let last = columns.lastIndex(where: { $0 != 0 }) else { continue }
                out += Array("#\(c)".utf8)
                var x = 0
                while x <= last {
                    var run = 1
                    while x + run <= last && columns[x + run] == columns[x] { run += 1 }
                    let byte = 0x3F + columns[x]
                    out += run >= 4 ? Array("!\(run)".utf8) + [byte] : [UInt8](repeating: byte, count: run)
                    x += run
                }
                out += Array("$".utf8)
            }
            if band + 1 < bands { out += Array("-".utf8) }
        }
        out += [0x1B, 0x5C]
        return out
    }
}
