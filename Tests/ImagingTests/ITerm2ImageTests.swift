import FlowCore
import Foundation
import Testing
@testable import Imaging

@Suite struct ITerm2ImageTests {
    @Test func inlineImageDecodesBackToThePicture() throws {
        let image = noiseImage(width: 33, height: 21, seed: 11)
        let png = try PNG.encoded(image)
        let bytes = ITerm2Image.inline(png: png, columns: 4, rows: 2)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("\u{1B}]1337;File=inline=1;size=\(png.count);width=4;height=2;preserveAspectRatio=0:"))
        #expect(bytes.last == 0x07)
        let (arguments, file) = try #require(ITerm2Image.parse(bytes))
        #expect(arguments == ["inline": "1", "size": "\(png.count)", "width": "4", "height": "2", "preserveAspectRatio": "0"])
        #expect(file == png)
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("inline.png")
        try Data(file).write(to: url)
        #expect(try PNG.read(from: url).image == image)
    }

    @Test func parseRefusesWhatIsNotAnInlineImage() {
        #expect(ITerm2Image.parse([]) == nil)
        #expect(ITerm2Image.parse(Array("\u{1B}]1337;File=inline=1:not base64!\u{07}".utf8)) == nil)
        #expect(ITerm2Image.parse(Array("\u{1B}]1337;File=inline=1:QUJD".utf8)) == nil)  // no BEL
    }
}
