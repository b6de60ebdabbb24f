import FlowCore
import Foundation
import Testing
@testable import Imaging

@Suite struct KittyGraphicsTests {
    /// Decodes a PNG payload with the project's PNG reader (libpng), through a temporary file.
    func readPNG(_ bytes: [UInt8]) throws -> RGBImage {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("payload.png")
        try Data(bytes).write(to: url)
        return try PNG.read(from: url).image
    }

    @Test func rgbPayloadDecodesBackToThePicture() throws {
        let image = noiseImage(width: 61, height: 47, seed: 7)  // 8601 bytes → 11468 base64: three chunks
        let commands = KittyGraphics.place(image, format: .rgb, imageID: 1750, placementID: 1, columns: 7, rows: 3)
        #expect(commands.count == 3)
        let parsed = KittyGraphics.parse(commands.flatMap { $0 })
        #expect(parsed.count == 3)
        #expect(parsed.allSatisfy { $0.payload.count <= KittyGraphics.chunkBytes })
        #expect(parsed[0].payload.count % 4 == 0 && parsed[1].payload.count % 4 == 0)
        #expect(parsed[0].keys["m"] == "1" && parsed[1].keys == ["m": "1"] && parsed[2].keys == ["m": "0"])
        let first = parsed[0].keys
        #expect(first["a"] == "T" && first["f"] == "24" && first["s"] == "61" && first["v"] == "47")
        #expect(first["i"] == "1750" && first["p"] == "1" && first["c"] == "7" && first["r"] == "3")
        #expect(first["C"] == "1" && first["q"] == "2")
        let (_, data) = try #require(KittyGraphics.reassemble(parsed))
        #expect(data == image.pixels)
    }

    @Test func pngPayloadDecodesBackToThePicture() throws {
        let image = noiseImage(width: 40, height: 30, seed: 3)
        let png = try PNG.encoded(image)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        let commands = KittyGraphics.place(image, format: .png, png: png, imageID: 5, placementID: 2, columns: 4, rows: 2)
        let (keys, data) = try #require(KittyGraphics.reassemble(KittyGraphics.parse(commands.flatMap { $0 })))
        #expect(keys["f"] == "100" && keys["s"] == "40" && keys["v"] == "30")
        #expect(data == png)
        #expect(try readPNG(data) == image)
    }

    @Test func aSmallPictureIsOneCommandWithoutM() throws {
        let image = noiseImage(width: 4, height: 4, seed: 1)
        let commands = KittyGraphics.place(image, format: .rgb, imageID: 9, placementID: 1, columns: 1, rows: 1)
        #expect(commands.count == 1)
        let text = String(decoding: commands[0], as: UTF8.self)
        #expect(text.hasPrefix("\u{1B}_Ga=T,f=24,s=4,v=4,i=9,p=1,c=1,r=1,C=1,q=2;"))
        #expect(text.hasSuffix("\u{1B}\\"))
        #expect(try #require(KittyGraphics.reassemble(KittyGraphics.parse(commands[0]))).data == image.pixels)
    }

    @Test func queryAndDeleteAreTheProtocolsCommands() {
        #expect(String(decoding: KittyGraphics.query, as: UTF8.self) == "\u{1B}_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\u{1B}\\")
        #expect(String(decoding: KittyGraphics.delete(imageID: 1750), as: UTF8.self) == "\u{1B}_Ga=d,d=I,i=1750,q=2\u{1B}\\")
        // kitty 0.26.5's answer to the query (recorded under Xvfb), with what follows it.
        let answer = Array("\u{1B}_Gi=31;OK\u{1B}\\\u{1B}P>|kitty(0.26.5)\u{1B}\\\u{1B}[?62;c".utf8)
        let parsed = KittyGraphics.parse(answer)
        #expect(parsed == [KittyGraphics.Command(keys: ["i": "31"], payload: Array("OK".utf8))])
    }

    @Test func pngEncodingRoundTripsThroughLibpng() throws {
        for (w, h, seed) in [(1, 1, UInt64(1)), (17, 5, 2), (128, 96, 3)] {
            let image = noiseImage(width: w, height: h, seed: seed)
            #expect(try readPNG(try PNG.encoded(image)) == image)
        }
        #expect(throws: PNGError.self) { try PNG.encoded(RGBImage(width: 0, height: 0)) }
    }
}
