import TestSupport
import FlowCore
import Foundation
import Testing
@testable import Imaging

@Suite struct PNGTests {
    /// The chunk types of a PNG file in order (after the signature).
    func chunkTypes(_ url: URL) throws -> [String] {
        let data = [UInt8](try Data(contentsOf: url))
        var types: [String] = []
        var offset = 8
        while offset + 8 <= data.count {
            let length = data[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            types.append(String(decoding: data[offset + 4..<offset + 8], as: UTF8.self))
            offset += 12 + length
        }
        return types
    }

    @Test func roundTripKeepsPixelsAndText() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("pattern.png")
        let image = RGBImage.testPattern(width: 37, height: 23)
        let parameters = "a red circle\nNegative prompt: blur\nSteps: 28, Sampler: Euler, CFG scale: 7, Seed: 42"
        let prompt = "a café ☕ at dusk — 東京"
        try PNG.write(image, to: url, text: [("parameters", parameters), ("prompt", prompt)])

        let (read, text, _) = try PNG.read(from: url)
        #expect(read == image)
        #expect(text == ["parameters": parameters, "prompt": prompt])
        // ASCII goes to tEXt, UTF-8 to iTXt, both before the image data.
        #expect(try chunkTypes(url) == ["IHDR", "tEXt", "iTXt", "IDAT", "IEND"])
        // Atomic write leaves only the destination behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["pattern.png"])
    }

    @Test func longTextIsCompressed() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("long.png")
        let workflow = String(repeating: "{\"node\": 1}, ", count: 200)
        let utf8 = String(repeating: "ü", count: 800)
        try PNG.write(RGBImage(width: 2, height: 2, fill: .red), to: url, text: [("workflow", workflow), ("long utf8", utf8)])
        #expect(try chunkTypes(url) == ["IHDR", "zTXt", "iTXt", "IDAT", "IEND"])
        let (_, text, _) = try PNG.read(from: url)
        #expect(text["workflow"] == workflow && text["long utf8"] == utf8)
        #expect(try Data(contentsOf: url).count < 1000)  // really compressed
    }

    /// libpng drops an ancillary chunk with a bad CRC and warns; the warning is handed out so the
    /// caller can say the chunk is damaged rather than absent.
    @Test func aTextChunkWithABadCRCIsDroppedWithAWarning() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("bad-crc.png")
        try PNG.write(RGBImage(width: 2, height: 2, fill: .red), to: url, text: [("parameters", "a cat\nSteps: 4")])
        var bytes = [UInt8](try Data(contentsOf: url))
        var offset = 8
        while offset + 8 <= bytes.count {
            let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            if String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self) == "tEXt" { bytes[offset + 8 + length] ^= 0xFF }
            offset += 12 + length
        }
        try Data(bytes).write(to: url)
        let read = try PNG.read(from: url)
        #expect(read.text["parameters"] == nil)
        #expect(read.warning == "tEXt: CRC error")
        #expect(read.image.width == 2)
        #expect(try PNG.read(from: dir.appendingPathComponent("bad-crc.png")).warning != nil)
        try PNG.write(RGBImage(width: 2, height: 2, fill: .red), to: url, text: [("parameters", "a cat")])
        #expect(try PNG.read(from: url).warning == nil)
    }

    @Test func overwriteReplacesTheFile() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("x.png")
        try PNG.write(RGBImage(width: 3, height: 3, fill: .red), to: url)
        try PNG.write(RGBImage(width: 4, height: 1, fill: .blue), to: url)
        let (image, text, _) = try PNG.read(from: url)
        #expect(image == RGBImage(width: 4, height: 1, fill: .blue))
        #expect(text.isEmpty)
    }

    /// Fixtures written by ImageMagick (see Fixtures/make-fixtures.sh): every colour type and depth.
    @Test(arguments: [
        ("rgb8.png", RGB(255, 0, 0), RGB(255, 0, 0)),
        ("palette.png", RGB(0, 0, 255), RGB(255, 0, 0)),         // (0,0) blue, (1,0) red, (4,2) lime
        ("palette-trns.png", RGB(255, 0, 0), RGB(0, 0, 0)),      // (1,0) fully transparent → black
        ("grey8.png", RGB(102, 102, 102), RGB(102, 102, 102)),
        ("grey1.png", RGB(0, 0, 0), RGB(255, 255, 255)),         // 1-bit: 0 1 0 1 1
        ("grey-alpha.png", RGB(64, 64, 64), RGB(64, 64, 64)),    // 127 at alpha 128 on black
        ("rgba.png", RGB(128, 64, 0), RGB(128, 64, 0)),          // (255,128,0) at alpha 128 on black
        ("rgb16.png", RGB(18, 86, 154), RGB(18, 86, 154)),       // 0x1234 0x5678 0x9abc scaled, rounded
        ("rgba16.png", RGB(18, 86, 154), RGB(18, 86, 154)),
        ("interlaced.png", RGB(0, 0, 255), RGB(0, 0, 255)),
    ])
    func readsImageMagickFixtures(name: String, first: RGB, second: RGB) throws {
        let (image, text, _) = try PNG.read(from: fixtureURL(name))
        #expect(image.width == 5 && image.height == (name == "grey1.png" ? 1 : 3))
        #expect(image[x: 0, y: 0] == first)
        #expect(image[x: 1, y: 0] == second)
        #expect(text["comment"] == "made-by-imagemagick")
        if name == "palette.png" { #expect(image[x: 4, y: 2] == RGB(0, 255, 0)) }
        if name == "grey1.png" {
            #expect((0..<5).map { image[x: $0, y: 0].g } == [0, 255, 0, 255, 255])
        }
    }

    @Test func readsEveryTextChunkKind() throws {
        let (image, text, _) = try PNG.read(from: fixtureURL("text-chunks.png"))
        #expect(image == RGBImage(width: 2, height: 2, fill: RGB(0, 128, 255)))
        #expect(text["Title"] == "plain ascii")                                  // tEXt
        #expect(text["Latin"] == "café")                                         // tEXt, Latin-1 byte E9
        #expect(text["Comment"] == String(repeating: "compressed latin-1 ", count: 20))  // zTXt
        #expect(text["prompt"] == "a café ☕ at dusk")                           // iTXt
        #expect(text["workflow"] == "{\"nodes\": \"…\"}")                       // compressed iTXt after IDAT
        #expect(text.count == 5)
    }

    // MARK: - Errors

    @Test func missingFileIsCannotOpen() throws {
        let url = URL(fileURLWithPath: "/nonexistent-dir-xyz/none.png")
        #expect(throws: PNGError.cannotOpen(path: url.path, reason: "No such file or directory")) {
            try PNG.read(from: url)
        }
    }

    @Test func notAPNG() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = dir.appendingPathComponent("notes.png")
        try Data("hello, I am text".utf8).write(to: text)
        let empty = dir.appendingPathComponent("empty.png")
        try Data().write(to: empty)
        do {
            _ = try PNG.read(from: text)
            Issue.record("reading a text file succeeded")
        } catch let error as PNGError {
            guard case .notPNG(let path, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(path == text.path)
            #expect(error.description.contains("notes.png is not a PNG file"))
        }
        #expect(throws: PNGError.notPNG(path: empty.path, reason: "the file is empty, not a PNG")) {
            try PNG.read(from: empty)
        }
    }

    @Test func truncatedFiles() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("good.png")
        try PNG.write(RGBImage.testPattern(width: 32, height: 32), to: good, text: [("k", "v")])
        let bytes = try Data(contentsOf: good)
        for cut in [4, 20, bytes.count / 2, bytes.count - 6] {
            let url = dir.appendingPathComponent("cut-\(cut).png")
            try bytes.prefix(cut).write(to: url)
            #expect(throws: PNGError.truncated(path: url.path), "cut at \(cut) of \(bytes.count)") {
                try PNG.read(from: url)
            }
        }
    }

    @Test(arguments: [
        (16, "IHDR: CRC error"),                  // a byte of IHDR's width: its CRC no longer matches
        (-20, "IDAT: incorrect data check"),      // zlib's checksum at the end of the image data
    ])
    func corruptDataIsReported(offset: Int, expected: String) throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("bad.png")
        try PNG.write(RGBImage.testPattern(width: 16, height: 16), to: url)
        var bytes = [UInt8](try Data(contentsOf: url))
        bytes[offset >= 0 ? offset : bytes.count + offset] ^= 0xFF
        try Data(bytes).write(to: url)
        #expect(throws: PNGError.corrupt(path: url.path, reason: expected)) { try PNG.read(from: url) }
    }

    @Test func unwritableDestinationLeavesNothing() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let image = RGBImage(width: 2, height: 2)
        // The parent is missing, or is a regular file (root can write anywhere, so no chmod test).
        let missing = dir.appendingPathComponent("no-such-dir/out.png")
        let file = dir.appendingPathComponent("plain-file")
        try Data("x".utf8).write(to: file)
        for url in [missing, file.appendingPathComponent("out.png")] {
            do {
                try PNG.write(image, to: url)
                Issue.record("writing to \(url.path) succeeded")
            } catch let error as PNGError {
                guard case .cannotWrite(let path, let reason) = error else { Issue.record("wrong error \(error)"); continue }
                #expect(path == url.path)
                #expect(reason.contains("cannot create a file in the directory"), "\(reason)")
                #expect(error.description.contains(url.path))
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["plain-file"])
    }

    @Test func symlinkKeepsTheLinkAndReplacesItsTarget() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("target.png"), link = dir.appendingPathComponent("link.png")
        try PNG.write(RGBImage(width: 1, height: 1, fill: .red), to: target)
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "target.png")
        try PNG.write(RGBImage(width: 2, height: 2, fill: .blue), to: link)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == "target.png")
        #expect(try PNG.read(from: target).image == RGBImage(width: 2, height: 2, fill: .blue))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["link.png", "target.png"])

        // A dangling link leads to the file it names, which is created (atomically); the link stays.
        let dangling = dir.appendingPathComponent("dangling.png")
        try FileManager.default.createSymbolicLink(atPath: dangling.path, withDestinationPath: "new.png")
        try PNG.write(RGBImage(width: 1, height: 1, fill: .green), to: dangling)
        #expect(try PNG.read(from: dir.appendingPathComponent("new.png")).image == RGBImage(width: 1, height: 1, fill: .green))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dangling.path) == "new.png")
    }

    @Test func pipeIsWrittenThroughNotReplaced() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("pipe")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        let image = RGBImage.testPattern(width: 5, height: 4)
        let received = try bytesThroughFIFO(fifo.path) { try PNG.write(image, to: fifo) }
        var attributes = stat()
        #expect(lstat(fifo.path, &attributes) == 0 && (attributes.st_mode & S_IFMT) == S_IFIFO)
        let copy = dir.appendingPathComponent("copy.png")
        try received.write(to: copy)
        #expect(try PNG.read(from: copy).image == image)
    }

    /// `--out /dev/stdout >> file`: the process's own streams are appended to, never replaced.
    @Test func ownStreamIsAppendedToNotReplaced() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("all.bin")
        try Data("HEAD".utf8).write(to: log)
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        let stream = URL(fileURLWithPath: "/proc/self/fd/\(handle.fileDescriptor)")
        let image = RGBImage.testPattern(width: 3, height: 2)
        try PNG.checkDestination(stream)
        try PNG.write(image, to: stream)
        let bytes = [UInt8](try Data(contentsOf: log))
        #expect(Array(bytes.prefix(8)) == Array("HEAD".utf8) + [0x89, 0x50, 0x4E, 0x47])
        let copy = dir.appendingPathComponent("copy.png")
        try Data(bytes.dropFirst(4)).write(to: copy)
        #expect(try PNG.read(from: copy).image == image)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["all.bin", "copy.png"])
    }

    @Test func aReplacedFileKeepsItsPermissions() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("private.png")
        try PNG.write(RGBImage(width: 1, height: 1), to: url)
        #expect(chmod(url.path, 0o600) == 0)
        try PNG.write(RGBImage(width: 2, height: 2), to: url)
        var attributes = stat()
        #expect(stat(url.path, &attributes) == 0 && attributes.st_mode & 0o777 == 0o600)
        let fresh = dir.appendingPathComponent("fresh.png")
        try PNG.write(RGBImage(width: 1, height: 1), to: fresh)
        #expect(stat(fresh.path, &attributes) == 0 && attributes.st_mode & 0o777 == 0o644)
    }

    @Test func checkDestinationRefusesWithoutWriting() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: PNGError.cannotWrite(path: dir.path, reason: "it is a directory; give a file name inside it, such as DIR/image.png")) {
            try PNG.checkDestination(dir)
        }
        let missing = dir.appendingPathComponent("no-such-dir/out.png")
        #expect(throws: PNGError.cannotWrite(path: missing.path, reason: "cannot create a file in the directory \(dir.path)/no-such-dir (No such file or directory)")) {
            try PNG.checkDestination(missing)
        }
        try PNG.checkDestination(dir.appendingPathComponent("fine.png"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func directoryAndFullDeviceAreClearErrors() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let image = RGBImage(width: 2, height: 2)
        #expect(throws: PNGError.cannotWrite(path: dir.path, reason: "it is a directory; give a file name inside it, such as DIR/image.png")) {
            try PNG.write(image, to: dir)
        }
        if FileManager.default.fileExists(atPath: "/dev/full") {
            // Writing fails (no space) and the device stays a device.
            #expect(throws: PNGError.self) { try PNG.write(image, to: URL(fileURLWithPath: "/dev/full")) }
            var attributes = stat()
            #expect(stat("/dev/full", &attributes) == 0 && (attributes.st_mode & S_IFMT) == S_IFCHR)
        }
    }

    @Test func invalidTextKeepsTheOldFile() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("keep.png")
        let original = RGBImage(width: 2, height: 1, fill: .green)
        try PNG.write(original, to: url)
        for key in ["", "clé ☕", " lead", String(repeating: "k", count: 80), "a  b"] {
            #expect(throws: PNGError.self) {
                try PNG.write(RGBImage(width: 1, height: 1), to: url, text: [(key, "v")])
            }
        }
        #expect(throws: PNGError.self) {
            try PNG.write(RGBImage(width: 1, height: 1), to: url, text: [("key", "nul\u{0}inside")])
        }
        #expect(try PNG.read(from: url).image == original)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["keep.png"])
    }

    @Test func zeroSizeImageIsRejectedCleanly() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("empty.png")
        #expect(throws: PNGError.invalidImage(path: url.path, reason: "the image has zero width or height")) {
            try PNG.write(RGBImage(width: 0, height: 4), to: url)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func latin1KeysAreAllowed() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("k.png")
        try PNG.write(RGBImage(width: 1, height: 1), to: url, text: [("Schlüssel", "Wert")])
        #expect(try PNG.read(from: url).text == ["Schlüssel": "Wert"])
    }

    // MARK: - Not a file (QA: `studio --from FIFO` blocked forever in fopen)

    @Test func aFIFOIsRefusedWithoutBlocking() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("from.png")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        let message = "\(fifo.path) is a FIFO (named pipe), not a file; give a PNG file"
        withFIFOWatchdog(fifo.path) {
            #expect(throws: PNGError.notAFile(message)) { try PNG.read(from: fifo) }
        }
        #expect(PNGError.notAFile(message).description == message)
        // Through a symlink too.
        let link = dir.appendingPathComponent("link.png")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "from.png")
        withFIFOWatchdog(fifo.path) {
            #expect(throws: PNGError.notAFile("\(link.path) is a FIFO (named pipe), not a file; give a PNG file")) { try PNG.read(from: link) }
        }
    }

    @Test func aDeviceAndADirectoryAreRefused() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: PNGError.notAFile("/dev/zero is a character device, not a file; give a PNG file")) {
            try PNG.read(from: URL(fileURLWithPath: "/dev/zero"))
        }
        #expect(throws: PNGError.notAFile("\(dir.path) is a directory, not a file; give a PNG file")) { try PNG.read(from: dir) }
    }

    @Test func aSymlinkIsReadThrough() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let image = RGBImage.testPattern(width: 4, height: 3)
        try PNG.write(image, to: dir.appendingPathComponent("target.png"), text: [("k", "v")])
        let link = dir.appendingPathComponent("link.png")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "target.png")
        let (read, text, _) = try PNG.read(from: link)
        #expect(read == image && text == ["k": "v"])
        let dangling = dir.appendingPathComponent("dangling.png")
        try FileManager.default.createSymbolicLink(atPath: dangling.path, withDestinationPath: "gone.png")
        #expect(throws: PNGError.cannotOpen(path: dangling.path, reason: "No such file or directory")) { try PNG.read(from: dangling) }
    }

    /// A device outside /dev (a copy of /dev/full made with mknod; root only) is written into,
    /// not replaced: the write fails with the device's error and the device stays.
    @Test func aDeviceIsWrittenIntoNotReplaced() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let full = dir.appendingPathComponent("full")
        guard mknod(full.path, S_IFCHR | 0o666, dev_t(1 << 8 | 7)) == 0 else { return }  // makedev(1, 7)
        #expect(throws: PNGError.cannotWrite(path: full.path, reason: "No space left on device")) {
            try PNG.write(RGBImage.testPattern(width: 8, height: 8), to: full)
        }
        var attributes = stat()
        #expect(lstat(full.path, &attributes) == 0 && (attributes.st_mode & S_IFMT) == S_IFCHR)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["full"])
    }

    /// libpng refuses the image after the temporary file was made (a width over its
    /// 1,000,000-pixel limit): the old file stays, with its mode, and no temporary file is left.
    @Test func anEncodingFailureMidWriteLeavesTheOldFile() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("keep.png")
        let original = RGBImage(width: 2, height: 1, fill: .green)
        try PNG.write(original, to: url)
        #expect(chmod(url.path, 0o600) == 0)
        #expect(throws: PNGError.self) { try PNG.write(RGBImage(width: 1_000_001, height: 1), to: url) }
        #expect(try PNG.read(from: url).image == original)
        var attributes = stat()
        #expect(stat(url.path, &attributes) == 0 && attributes.st_mode & 0o777 == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["keep.png"])
    }
}
