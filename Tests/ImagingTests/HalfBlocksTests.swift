import FlowCore
import Testing
@testable import Imaging

@Suite struct HalfBlocksTests {
    let twoByTwo = RGBImage(width: 2, height: 2, pixels: [
        255, 0, 0, 0, 255, 0,
        0, 0, 255, 255, 255, 255,
    ])

    @Test func truecolorTwoByTwoExactly() {
        let lines = HalfBlocks.render(twoByTwo, mode: .truecolor)
        #expect(lines == ["\(esc)[38;2;255;0;0m\(esc)[48;2;0;0;255m▀\(esc)[38;2;0;255;0m\(esc)[48;2;255;255;255m▀\(esc)[0m"])
    }

    @Test func ansi256TwoByTwoExactly() {
        let lines = HalfBlocks.render(twoByTwo, mode: .ansi256)
        #expect(lines == ["\(esc)[38;5;196m\(esc)[48;5;21m▀\(esc)[38;5;46m\(esc)[48;5;231m▀\(esc)[0m"])
    }

    @Test func repeatedColoursEmitNoSGR() {
        let flat = RGBImage(width: 3, height: 4, fill: RGB(1, 2, 3))
        let lines = HalfBlocks.render(flat, mode: .truecolor)
        let line = "\(esc)[38;2;1;2;3m\(esc)[48;2;1;2;3m▀▀▀\(esc)[0m"
        #expect(lines == [line, line])  // each line starts afresh after its reset
        // In 256-colour mode, two RGB values on the same index need no new SGR either.
        let near = RGBImage(width: 2, height: 2, pixels: [250, 0, 0, 255, 0, 0, 250, 0, 0, 255, 0, 0])
        #expect(HalfBlocks.render(near, mode: .ansi256) == ["\(esc)[38;5;196m\(esc)[48;5;196m▀▀\(esc)[0m"])
    }

    @Test func oddHeightUsesTheDefaultBackground() {
        let image = RGBImage(width: 2, height: 3, fill: .white)
        let lines = HalfBlocks.render(image, mode: .truecolor)
        #expect(lines.count == 2)
        #expect(lines[1] == "\(esc)[38;2;255;255;255m\(esc)[49m▀▀\(esc)[0m")
    }
}
