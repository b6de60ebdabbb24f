import FlowCore
import Testing
@testable import Imaging

@Suite struct AsciiShadesTests {
    @Test func charactersFollowBrightness() {
        // Columns: black, mid grey, white over white (mean), and red over black.
        let image = RGBImage(width: 4, height: 2, pixels: [
            0, 0, 0, 128, 128, 128, 255, 255, 255, 255, 0, 0,
            0, 0, 0, 128, 128, 128, 0, 0, 0, 0, 0, 0,
        ])
        let lines = AsciiShades.render(image)
        // luma 0 → " ", 128 → ramp[5] "+", 127 → "=", red 76/2 = 38 → ramp[1] "."
        #expect(lines == [" +=."])
        #expect(AsciiShades.render(RGBImage(width: 2, height: 1, fill: .white)) == ["@@"])
        #expect(AsciiShades.render(RGBImage(width: 1, height: 5)).count == 3)
    }
}
