import FlowCore
import Testing
@testable import Imaging

@Suite struct RGBImageTests {
    @Test func signedTensorMapsMinusOneToOneAndClamps() {
        // [3, 1, 4]: R plane, G plane, B plane.
        let t = Tensor(shape: [3, 1, 4], scalars: [-1, 0, 1, 2,
                                                   -2, 0.5, -0.5, .nan,
                                                   0.003, 0.004, 0.999, 1])
        let image = RGBImage(signedUnitTensor: t)
        #expect(image.width == 4 && image.height == 1)
        #expect(image[x: 0, y: 0] == RGB(0, 0, 128))        // 0.003 → 127.88 → 128
        #expect(image[x: 1, y: 0] == RGB(128, 191, 128))    // 0 → 127.5 rounds away from zero; 0.5 → 191.25
        #expect(image[x: 2, y: 0] == RGB(255, 64, 255))     // -0.5 → 63.75 → 64
        #expect(image[x: 3, y: 0] == RGB(255, 0, 255))      // 2 clamps; NaN → 0
    }

    @Test func unitTensorMapsZeroToOne() {
        let t = Tensor(shape: [3, 2, 1], scalars: [0, 1, 0.5, -1, 0.2, 7])
        let image = RGBImage(unitTensor: t)
        #expect(image.width == 1 && image.height == 2)
        #expect(image[x: 0, y: 0] == RGB(0, 128, 51))
        #expect(image[x: 0, y: 1] == RGB(255, 0, 255))
        // And back: unitTensor() is the inverse up to quantisation.
        let back = image.unitTensor()
        #expect(back.shape == [3, 2, 1])
        #expect(back[2, 0, 0] == Float(51) / 255)
    }

    @Test func pixelGetSetAndLayout() {
        var image = RGBImage(width: 3, height: 2, fill: RGB(1, 2, 3))
        image[x: 2, y: 1] = RGB(9, 8, 7)
        #expect(image[x: 2, y: 1] == RGB(9, 8, 7))
        #expect(Array(image.pixels[15..<18]) == [9, 8, 7])  // row-major, interleaved
        #expect(image[x: 0, y: 0] == RGB(1, 2, 3))
    }

    @Test func cropTakesTheRectangle() {
        let image = RGBImage.testPattern(width: 10, height: 8)
        let crop = image.cropped(x: 3, y: 2, width: 4, height: 5)
        #expect(crop.width == 4 && crop.height == 5)
        for y in 0..<5 {
            for x in 0..<4 { #expect(crop[x: x, y: y] == image[x: x + 3, y: y + 2]) }
        }
    }

    @Test func scaledRepeatsPixels() {
        var image = RGBImage(width: 2, height: 1)
        image[x: 1, y: 0] = .white
        let big = image.scaled(by: 3)
        #expect(big.width == 6 && big.height == 3)
        for y in 0..<3 {
            for x in 0..<6 { #expect(big[x: x, y: y] == (x < 3 ? .black : .white)) }
        }
    }

    @Test func resizeShrinksByAreaAverage() {
        // 4×2 → 2×1: each output is the mean of a 2×2 block.
        let image = RGBImage(width: 4, height: 2, pixels: [
            0, 0, 0, 100, 0, 0, 10, 10, 10, 20, 20, 20,
            200, 0, 0, 100, 0, 0, 30, 30, 30, 40, 40, 40,
        ])
        let small = image.resized(width: 2, height: 1)
        #expect(small.pixels == [100, 0, 0, 25, 25, 25])
    }

    @Test func resizeGrowsByNearest() {
        let image = RGBImage(width: 2, height: 1, pixels: [10, 20, 30, 40, 50, 60])
        let big = image.resized(width: 5, height: 2)
        // Output centres 0.5…4.5 map to source 0.2, 0.6, 1.0, 1.4, 1.8.
        let row = [RGB(10, 20, 30), RGB(10, 20, 30), RGB(40, 50, 60), RGB(40, 50, 60), RGB(40, 50, 60)]
        for y in 0..<2 {
            for x in 0..<5 { #expect(big[x: x, y: y] == row[x]) }
        }
        #expect(image.resized(width: 2, height: 1) == image)
    }

    /// Plain twin: each output pixel integrates the source over its footprint in 2-D at once.
    func referenceAreaResize(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        var out = RGBImage(width: width, height: height)
        let sx = Double(image.width) / Double(width), sy = Double(image.height) / Double(height)
        for oy in 0..<height {
            for ox in 0..<width {
                var sum = [0.0, 0.0, 0.0]
                for y in 0..<image.height {
                    let wy = max(0, min(Double(y + 1), Double(oy + 1) * sy) - max(Double(y), Double(oy) * sy))
                    for x in 0..<image.width {
                        let wx = max(0, min(Double(x + 1), Double(ox + 1) * sx) - max(Double(x), Double(ox) * sx))
                        let c = image[x: x, y: y]
                        sum[0] += wx * wy * Double(c.r)
                        sum[1] += wx * wy * Double(c.g)
                        sum[2] += wx * wy * Double(c.b)
                    }
                }
                let n = sx * sy
                out[x: ox, y: oy] = RGB(UInt8((sum[0] / n).rounded()), UInt8((sum[1] / n).rounded()),
                                        UInt8((sum[2] / n).rounded()))
            }
        }
        return out
    }

    @Test func fractionalShrinkMatchesTheAreaIntegral() {
        let image = noiseImage(width: 17, height: 11, seed: 5)
        for (w, h) in [(5, 4), (16, 10), (3, 7), (1, 1)] {
            let fast = image.resized(width: w, height: h)
            let reference = referenceAreaResize(image, width: w, height: h)
            let maxDiff = zip(fast.pixels, reference.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
            #expect(maxDiff <= 1, "\(w)×\(h): max difference \(maxDiff)")  // float rounding at .5
        }
    }

    @Test func fittedKeepsAspect() {
        let image = RGBImage(width: 64, height: 32)
        let fit = image.fitted(maxWidth: 40, maxHeight: 40)
        #expect(fit.width == 40 && fit.height == 20)
    }

    @Test func gridLaysOutCellsWithPadding() {
        let red = RGBImage(width: 2, height: 2, fill: .red)
        let blue = RGBImage(width: 2, height: 2, fill: .blue)
        let small = RGBImage(width: 1, height: 1, fill: .green)
        let sheet = RGBImage.grid([red, blue, small], columns: 2, padding: 1, background: .white)
        // 2 columns × 2 rows of 2×2 cells, padding 1: width 1+2+1+2+1 = 7, height 7.
        #expect(sheet.width == 7 && sheet.height == 7)
        #expect(sheet[x: 0, y: 0] == .white)
        #expect(sheet[x: 1, y: 1] == .red && sheet[x: 2, y: 2] == .red)
        #expect(sheet[x: 3, y: 1] == .white)
        #expect(sheet[x: 4, y: 1] == .blue && sheet[x: 5, y: 2] == .blue)
        // The 1×1 image sits in the cell at (1, 4), offset by (2 − 1) / 2 = 0; the rest is background.
        #expect(sheet[x: 1, y: 4] == .green)
        #expect(sheet[x: 2, y: 5] == .white && sheet[x: 4, y: 4] == .white)
        let greens = (0..<7).flatMap { y in (0..<7).map { x in sheet[x: x, y: y] } }.filter { $0 == .green }
        #expect(greens.count == 1)
        #expect(RGBImage.grid([], columns: 3).width == 0)
    }
}
