import FlowCore
import Testing
@testable import Imaging

@Suite struct Palette256Tests {
    @Test func spotChecks() {
        #expect(Palette256.index(RGB(0, 0, 0)) == 16)
        #expect(Palette256.index(RGB(255, 255, 255)) == 231)
        #expect(Palette256.index(RGB(128, 128, 128)) == 244)  // grey 8+10·12 = 128 beats cube 135
        #expect(Palette256.index(RGB(95, 135, 175)) == 16 + 36 * 1 + 6 * 2 + 3)
        #expect(Palette256.index(RGB(255, 0, 0)) == 196)
        #expect(Palette256.index(RGB(8, 8, 8)) == 232)
        #expect(Palette256.index(RGB(238, 238, 238)) == 255)
    }

    @Test func cubeLevelBoundaries() {
        let expected: [(UInt8, Int)] = [(0, 0), (47, 0), (48, 1), (113, 1), (114, 1), (115, 2),
                                        (154, 2), (155, 3), (194, 3), (195, 4), (234, 4), (235, 5), (255, 5)]
        for (v, level) in expected { #expect(Palette256.cubeLevel(v) == level, "\(v)") }
    }

    @Test func neverThemedIndicesAndExactColoursMapToThemselves() {
        for index in UInt8(16)...UInt8(255) {
            let color = Palette256.color(index)
            let back = Palette256.color(Palette256.index(color))
            #expect(back == color, "index \(index)")  // the same colour (cube and grey may share one)
        }
        let noise = noiseImage(width: 64, height: 64, seed: 11)
        for i in stride(from: 0, to: noise.pixels.count, by: 3) {
            let c = RGB(noise.pixels[i], noise.pixels[i + 1], noise.pixels[i + 2])
            #expect(Palette256.index(c) >= 16)
        }
    }
}
