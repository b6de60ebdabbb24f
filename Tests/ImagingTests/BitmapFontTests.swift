import FlowCore
import Testing
@testable import Imaging

@Suite struct BitmapFontTests {
    @Test func drawsTheGlyphBits() {
        var image = RGBImage(width: 8, height: 10)
        image.drawText("I", x: 1, y: 1, color: .white)
        // "I" is columns 0x00 0x41 0x7F 0x41 0x00: a bar with serifs at rows 0 and 6.
        var lit: [(Int, Int)] = []
        for y in 0..<10 {
            for x in 0..<8 where image[x: x, y: y] == .white { lit.append((x, y)) }
        }
        #expect(lit.count == 11)
        for row in 0..<7 { #expect(image[x: 3, y: 1 + row] == .white) }
        #expect(image[x: 2, y: 1] == .white && image[x: 4, y: 1] == .white)
        #expect(image[x: 2, y: 7] == .white && image[x: 4, y: 7] == .white)
        #expect(image[x: 2, y: 2] == .black)
    }

    @Test func scaleMultipliesPixelsAndTextClips() {
        var image = RGBImage(width: 20, height: 20)
        image.drawText("I", x: 0, y: 0, color: .red, scale: 2)
        #expect(image.pixels.count(where: { $0 == 255 }) == 11 * 4)
        image.drawText("ok wrong", x: -7, y: 15, color: .green)  // partly outside: clipped, no trap
        #expect(image.pixels.contains(where: { $0 == 255 }))
    }

    @Test func sizeAndCaption() {
        #expect(BitmapFont.size(of: "ok").width == 11 && BitmapFont.size(of: "ok").height == 8)
        #expect(BitmapFont.size(of: "a\nbc", scale: 2).height == 2 * (9 + 8))
        let tile = RGBImage(width: 30, height: 30, fill: .blue)
        let captioned = tile.captioned("wrong", color: .red)
        #expect(captioned.width == 31)  // "wrong" is 29 px + a margin each side
        #expect(captioned.height == 30 + 8 + 2)
        #expect(captioned[x: 15, y: 10] == .blue)
    }

    @Test func everyPrintableCharacterHasAGlyph() {
        #expect(BitmapFont.columns.count == 95 * 5)
        // Only space is blank; "?" stands in for anything else.
        for code in 33...126 {
            let glyph = BitmapFont.glyph(Character(Unicode.Scalar(UInt8(code))))
            #expect(glyph.contains { $0 != 0 }, "glyph \(code) is blank")
        }
        #expect(Array(BitmapFont.glyph("é")) == Array(BitmapFont.glyph("?")))
    }
}
