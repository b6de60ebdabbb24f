import FlowCore
import Foundation
@testable import Imaging

/// The committed fixture PNGs (see Fixtures/make-fixtures.sh).
func fixtureURL(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent(name)
}

/// A fresh empty directory under the system temp directory; the caller removes it.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("imaging-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A deterministic pseudo-random image (xorshift), for property tests.
func noiseImage(width: Int, height: Int, seed: UInt64) -> RGBImage {
    var state = seed | 1
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    for i in pixels.indices {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        pixels[i] = UInt8(truncatingIfNeeded: state >> 24)
    }
    return RGBImage(width: width, height: height, pixels: pixels)
}

/// The escape character, for building expected terminal strings.
let esc = "\u{1B}"
