import Foundation
import Testing
@testable import Imaging

/// Found while fuzzing (issue 17; the PNG target's memory neared its 2 GB limit): a 61-byte PNG
/// whose header claims 16384×16384 RGBA made the reader allocate 1 GB of pixels before failing on
/// the missing image data.
/// Now the file's size bounds the image it can hold (deflate expands at most 1032:1).
struct PNGHostileHeaderTests {
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
    }

    static func bigEndian(_ v: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: v >> $0) } }

    @Test func aHeaderClaimingMoreThanTheFileCanHoldIsRefusedBeforeAllocating() throws {
        let header = Self.bigEndian(16384) + Self.bigEndian(16384) + [8, 6, 0, 0, 0]  // 8-bit RGBA
        let bytes = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Self.chunk("IHDR", header)
            + Self.chunk("IDAT", [0x78, 0x9C, 0x63, 0x00]) + Self.chunk("IEND", [])
        let url = try makeTemporaryDirectory().appendingPathComponent("huge-header.png")
        try Data(bytes).write(to: url)
        #expect(throws: PNGError.corrupt(path: url.path, reason: "the file is too small to hold the image its header claims (damaged or truncated)")) {
            try PNG.read(from: url)
        }
    }
}

/// Found by fuzzing (issue 17): a 278-byte PNG with an `iTXt` chunk claiming 1.7 GB made libpng
/// allocate and zero the claimed size (1.7 GB and seconds before "truncated"). Now every chunk's
/// length is checked against the file before libpng reads it; the committed reproducer
/// (Tests/Fuzz/regressions/FuzzPNGParameters) is also replayed by every fuzz run.
struct PNGHugeChunkTests {
    @Test func aTextChunkClaimingGigabytesIsTruncatedNotAllocated() throws {
        let reproducer = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fuzz/regressions/FuzzPNGParameters/huge-itxt-length").standardizedFileURL
        let bytes = try Data(contentsOf: reproducer).dropFirst()  // the first byte selects "PNG file"
        let url = try makeTemporaryDirectory().appendingPathComponent("huge-itxt.png")
        try bytes.write(to: url)
        #expect(throws: PNGError.truncated(path: url.path)) { try PNG.read(from: url) }
    }
}
