import FlowCore
import Testing
@testable import Imaging

@Suite struct SixelTests {
    /// notcurses' decoder test vector: one pixel, register 0 = (66%, 18%, 80%).
    @Test func goldenVectorDecodes() throws {
        let golden = Array("\u{1B}P0;1;0q\"1;1;1;6#0;2;66;18;80#0@-\u{1B}\\".utf8)
        let picture = try SixelDecoder.decode(golden)
        #expect(picture.rasterWidth == 1 && picture.rasterHeight == 6)
        #expect(picture.image.width == 1 && picture.image.height == 6)
        #expect(picture.image[x: 0, y: 0] == RGB(0xA8, 0x2D, 0xCC))
        #expect(picture.paintedCount == 1)  // "@" is bit 0 only: the top pixel
    }

    @Test func paletteFitsTheRegisterBudget() {
        let full = SixelPalette(maxRegisters: 256)
        #expect((full.levelsR, full.levelsG, full.levelsB) == (6, 7, 6) && full.count == 252)
        #expect(SixelPalette(maxRegisters: 64).count == 64)
        #expect(SixelPalette(maxRegisters: 16).count <= 16)
        #expect(SixelPalette(maxRegisters: 2).count == 8)  // clamped to the 2×2×2 minimum
        // Each register's byte colour is exactly what a decoder makes of its percentages.
        for (color, p) in zip(full.colors, full.percents) {
            #expect(color == RGB(SixelPalette.byte(percent: p.r), SixelPalette.byte(percent: p.g),
                                 SixelPalette.byte(percent: p.b)))
        }
        #expect(full.colors.first == .black && full.colors.last == .white)
    }

    @Test func roundTripEqualsTheQuantisedImage() throws {
        for (w, h, registers) in [(40, 29, 256), (17, 6, 16), (1, 1, 256), (64, 64, 64)] {
            let image = RGBImage.testPattern(width: w, height: h)
            for encoder in [SixelEncoder(maxRegisters: registers), .fitted(maxRegisters: registers)] {
                let picture = try SixelDecoder.decode(encoder.encode(image))
                #expect(picture.rasterWidth == w && picture.rasterHeight == h)
                #expect(picture.paintedCount == w * h, "every pixel painted exactly by one colour")
                let map = encoder.colorMap(for: image)
                #expect(map.count <= registers)
                #expect(picture.image == map.quantizedImage(image), "\(w)×\(h), \(registers) registers, \(encoder.colors)")
            }
        }
    }

    @Test func aFittedPaletteKeepsFlatColoursExactly() throws {
        // A Shapes-like picture: navy background, a red and a white square, scaled up 4×. The
        // cube dithers navy into a pattern; the fitted palette keeps each colour (to the percent grid).
        var image = RGBImage(width: 64, height: 64, fill: RGB(20, 25, 70))
        for y in 10..<30 { for x in 10..<30 { image[x: x, y: y] = RGB(220, 40, 40) } }
        for y in 40..<50 { for x in 30..<60 { image[x: x, y: y] = RGB(245, 245, 245) } }
        let big = image.scaled(by: 4)
        let fitted = FittedSixelPalette(fitting: big)
        #expect(fitted.count == 3)
        let decoded = try SixelDecoder.decode(SixelEncoder.fitted().encode(big)).image
        var worst = 0
        for (a, b) in zip(big.pixels, decoded.pixels) { worst = max(worst, abs(Int(a) - Int(b))) }
        #expect(worst <= 2, "a sixel percent is 2.55 byte levels: \(worst)")
        let cube = try SixelDecoder.decode(SixelEncoder().encode(big)).image
        var navyShown = Set<RGB>()
        for i in stride(from: 0, to: 3 * 256 * 8, by: 3) { navyShown.insert(RGB(cube.pixels[i], cube.pixels[i + 1], cube.pixels[i + 2])) }
        #expect(navyShown.count > 1, "the cube dithers the flat navy background")
    }

    @Test func aFittedPaletteSplitsManyColoursIntoTheBudget() throws {
        let image = noiseImage(width: 96, height: 64, seed: 5)
        for registers in [2, 16, 256] {
            let fitted = FittedSixelPalette(fitting: image, maxRegisters: registers)
            #expect(fitted.count == registers, "random colours fill every register")
            guard registers >= 16 else { continue }  // the smallest cube has 8 registers
            // Median cut beats the fixed cube of the same budget on mean error.
            func meanError(_ q: RGBImage) -> Double {
                var total = 0
                for (a, b) in zip(image.pixels, q.pixels) { total += abs(Int(a) - Int(b)) }
                return Double(total) / Double(image.pixels.count)
            }
            let cube = SixelPalette(maxRegisters: registers, dithering: false)
            #expect(meanError(fitted.quantizedImage(image)) <= meanError(cube.quantizedImage(image)), "\(registers) registers")
        }
        // A colour the palette was not fitted to takes the nearest register.
        let two = FittedSixelPalette(fitting: RGBImage(width: 2, height: 1, pixels: [0, 0, 0, 255, 255, 255]))
        let other = RGBImage(width: 2, height: 1, pixels: [30, 20, 10, 200, 230, 250])
        #expect(two.quantizedImage(other).pixels == [0, 0, 0, 255, 255, 255])
        #expect(FittedSixelPalette(fitting: RGBImage(width: 0, height: 0)).count == 0)
    }

    @Test func roundTripIsCloseToTheOriginal() throws {
        // Ordered dithering between levels a step s apart picks the upper level with probability
        // f (the fraction of the way up), so E|error| = 2f(1−f)·s, which averages s/3 over f:
        // 17 for the 6-level channels (s = 51), 14 for green (7 levels, s ≈ 42.5).
        var image = RGBImage(width: 64, height: 64)
        for y in 0..<64 {
            for x in 0..<64 { image[x: x, y: y] = RGB(UInt8(x * 4), UInt8(y * 4), UInt8(255 - x * 2)) }
        }
        let decoded = try SixelDecoder.decode(SixelEncoder().encode(image)).image
        var perPixel = 0.0
        for (a, b) in zip(image.pixels, decoded.pixels) { perPixel += Double(abs(Int(a) - Int(b))) }
        perPixel /= Double(image.pixels.count)
        #expect(perPixel < 18, "mean abs error per channel \(perPixel)")
        // Without dithering the nearest level errs by s/4 on average: smaller per pixel, but banded.
        let nearest = SixelEncoder(maxRegisters: 256, dithering: false)
        let banded = try SixelDecoder.decode(nearest.encode(image)).image
        var nearestError = 0.0
        for (a, b) in zip(image.pixels, banded.pixels) { nearestError += Double(abs(Int(a) - Int(b))) }
        #expect(nearestError / Double(image.pixels.count) < 14)
    }

    @Test func ditheringPreservesTileAverages() throws {
        // Each 8×8 tile (one Bayer period) is one flat colour: the dithered tile's mean must
        // match it to within a 64th of a level step (the Bayer matrix has 64 thresholds).
        let colors = noiseImage(width: 8, height: 8, seed: 21)
        let image = colors.scaled(by: 8)  // 64×64, flat 8×8 tiles aligned with the Bayer grid
        let decoded = try SixelDecoder.decode(SixelEncoder().encode(image)).image
        var worstTile = 0.0
        for ty in 0..<8 {
            for tx in 0..<8 {
                for c in 0..<3 {
                    var sa = 0, sb = 0
                    for y in 0..<8 {
                        for x in 0..<8 {
                            let i = 3 * ((ty * 8 + y) * 64 + tx * 8 + x) + c
                            sa += Int(image.pixels[i])
                            sb += Int(decoded.pixels[i])
                        }
                    }
                    worstTile = max(worstTile, Double(abs(sa - sb)) / 64)
                }
            }
        }
        #expect(worstTile <= 51.0 / 64, "worst 8×8 tile mean error \(worstTile)")
    }

    @Test func ditheringIsStableBetweenFrames() {
        // A pixel's register depends only on its own value and position: changing one pixel
        // changes nothing else, so unchanged areas of a preview never shimmer.
        let palette = SixelPalette()
        let a = noiseImage(width: 23, height: 19, seed: 3)
        var b = a
        b[x: 7, y: 5] = RGB(1, 2, 3)
        let qa = palette.quantize(a), qb = palette.quantize(b)
        let differing = zip(qa, qb).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
        #expect(differing.allSatisfy { $0 == 5 * 23 + 7 })
        #expect(palette.quantize(a) == qa)
    }

    @Test func noDitheringTakesTheNearestLevel() {
        let palette = SixelPalette(maxRegisters: 8, dithering: false)  // levels 0 and 255 per channel
        let image = RGBImage(width: 2, height: 1, pixels: [100, 200, 127, 128, 20, 250])
        #expect(palette.quantizedImage(image).pixels == [0, 255, 0, 255, 0, 255])
    }

    @Test func flatRowsUseRunLengths() {
        let encoder = SixelEncoder(palette: SixelPalette(maxRegisters: 8, dithering: false))
        // 10×6 white: register 7 = (100,100,100); one band, one colour, all 6 bits = "~".
        let white = encoder.encodeString(RGBImage(width: 10, height: 6, fill: .white))
        #expect(white == "\(esc)P0;1;0q\"1;1;10;6#7;2;100;100;100#7!10~$\(esc)\\")
        // Runs shorter than 4 are written out.
        let three = encoder.encodeString(RGBImage(width: 3, height: 1, fill: .white))
        #expect(three == "\(esc)P0;1;0q\"1;1;3;1#7;2;100;100;100#7@@@$\(esc)\\")
        // Two colours in one band: red on the left half, then blue; trailing empty columns dropped.
        var split = RGBImage(width: 8, height: 2, fill: .blue)
        for x in 0..<4 { split[x: x, y: 0] = .red; split[x: x, y: 1] = .red }
        let s = encoder.encodeString(split)
        #expect(s == "\(esc)P0;1;0q\"1;1;8;2#1;2;0;0;100#4;2;100;0;0#1!4?!4B$#4!4B$\(esc)\\")
    }

    @Test func bandsAreSeparatedAndTheLastHasNoDash() {
        let encoder = SixelEncoder(palette: SixelPalette(maxRegisters: 8, dithering: false))
        for h in [1, 5, 6, 7, 12, 13, 18] {
            let s = encoder.encode(RGBImage(width: 3, height: h, fill: .white))
            let bands = (h + 5) / 6
            #expect(s.filter { $0 == UInt8(ascii: "-") }.count == bands - 1, "height \(h)")
            #expect(Array(s.suffix(3)) == [UInt8(ascii: "$"), 0x1B, UInt8(ascii: "\\")], "height \(h)")
        }
        // 7 rows: a full band, then one row (bit 0 only = "@").
        let seven = encoder.encodeString(RGBImage(width: 3, height: 7, fill: .white))
        #expect(seven.hasSuffix("#7~~~$-#7@@@$\(esc)\\"))
    }

    @Test func fastEncoderMatchesTheReferenceTwin() {
        let cases: [(RGBImage, Int)] = [
            (RGBImage.testPattern(width: 50, height: 37), 256),
            (noiseImage(width: 13, height: 11, seed: 9), 256),
            (noiseImage(width: 31, height: 7, seed: 2), 16),
            (RGBImage(width: 1, height: 1, fill: .red), 256),
            (RGBImage.testPattern(width: 1200, height: 7), 64),  // runs of 1000+ columns
        ]
        for (image, registers) in cases {
            for encoder in [SixelEncoder(maxRegisters: registers), .fitted(maxRegisters: registers)] {
                #expect(encoder.encode(image) == encoder.encodeReference(image), "\(image.width)×\(image.height)")
            }
        }
    }

    @Test func decoderRejectsBrokenStreams() {
        #expect(throws: SixelDecoder.DecodeError.missingIntroducer) { try SixelDecoder.decode(Array("hello".utf8)) }
        #expect(throws: SixelDecoder.DecodeError.missingTerminator) {
            try SixelDecoder.decode(Array("\u{1B}Pq#0;2;0;0;0#0~~".utf8))
        }
        #expect(throws: SixelDecoder.DecodeError.unsupportedColorSpace(register: 1, space: 1)) {
            try SixelDecoder.decode(Array("\u{1B}Pq#1;1;0;50;100~\u{1B}\\".utf8))
        }
    }
}
