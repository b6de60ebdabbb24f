import TestSupport
import Foundation
import Testing
@testable import FlowCore

/// FlowCore's one way to open a file for reading: regular files only (a FIFO, a device or a
/// directory is refused at once, never waited on), size known and capped before reading.
@Suite struct ReadableFileTests {
    @Test func readsARegularFileAndKnowsItsSize() throws {
        let directory = try FileTestDirectory()
        let url = directory.url.appendingPathComponent("prompts.txt")
        try Data("a red circle\ntwo blue squares\n".utf8).write(to: url)
        let file = try ReadableFile(url, expected: "a prompt list")
        #expect(file.byteCount == 30)
        #expect(try file.readAll() == Array("a red circle\ntwo blue squares\n".utf8))
        #expect(try ReadableFile.text(of: url, expected: "a prompt list") == "a red circle\ntwo blue squares\n")
        let empty = directory.url.appendingPathComponent("empty")
        try Data().write(to: empty)
        #expect(try ReadableFile.bytes(of: empty, expected: "x").isEmpty)
    }

    @Test func mappedBytesAreTheFile() throws {
        let directory = try FileTestDirectory()
        let url = directory.url.appendingPathComponent("model.bin")
        try Data((0..<10_000).map { UInt8(truncatingIfNeeded: $0 * 7) }).write(to: url)
        let file = try ReadableFile(url, expected: "a model")
        #expect(try file.withMappedBytes { Array($0) } == file.readAll())
        #expect(try file.withMappedBytes { FNV1a.hash($0) } == FNV1a.hash(try file.readAll()))
        let empty = directory.url.appendingPathComponent("empty")
        try Data().write(to: empty)
        #expect(try ReadableFile(empty, expected: "x").withMappedBytes { $0.count } == 0)
    }

    @Test func aFIFOIsRefusedWithoutBlocking() throws {
        let directory = try FileTestDirectory()
        let fifo = try directory.fifo("pipe")
        let error = try #require(withFIFOWatchdog(fifo.path) { readError { _ = try ReadableFile(fifo, expected: "a PNG file") } })
        #expect(error == FileReadError(path: fifo.path, reason: .notAFile(.fifo), expected: "a PNG file"))
        #expect(error.description == "\(fifo.path) is a FIFO (named pipe), not a file; give a PNG file")
    }

    @Test func aDeviceAndADirectoryAreRefused() throws {
        let directory = try FileTestDirectory()
        let device = try #require(readError { _ = try ReadableFile(URL(fileURLWithPath: "/dev/zero"), expected: "a theme file") })
        #expect(device.reason == .notAFile(.characterDevice))
        #expect(device.description == "/dev/zero is a character device, not a file; give a theme file")
        let folder = try #require(readError { _ = try ReadableFile.text(of: directory.url, expected: "a theme file") })
        #expect(folder.reason == .notAFile(.directory))
        #expect(folder.description.hasSuffix("is a directory, not a file; give a theme file"))
    }

    @Test func symlinksAreFollowedAndADanglingOneIsMissing() throws {
        let directory = try FileTestDirectory()
        let target = directory.url.appendingPathComponent("target.json")
        try Data("{}".utf8).write(to: target)
        let link = directory.url.appendingPathComponent("link.json")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "target.json")
        #expect(try ReadableFile.text(of: link, expected: "JSON") == "{}")

        let dangling = directory.url.appendingPathComponent("dangling.json")
        try FileManager.default.createSymbolicLink(atPath: dangling.path, withDestinationPath: "nowhere.json")
        let error = try #require(readError { _ = try ReadableFile(dangling, expected: "JSON") })
        #expect(error.reason == .cannotOpen("No such file or directory"))
        #expect(error.description == "cannot read \(dangling.path): No such file or directory")

        // A link to a FIFO is a FIFO.
        let fifo = try directory.fifo("pipe")
        let fifoLink = directory.url.appendingPathComponent("pipe-link")
        try FileManager.default.createSymbolicLink(atPath: fifoLink.path, withDestinationPath: fifo.path)
        let viaLink = try #require(withFIFOWatchdog(fifo.path) { readError { _ = try ReadableFile(fifoLink, expected: "JSON") } })
        #expect(viaLink.reason == .notAFile(.fifo))
    }

    @Test func theSizeCapIsCheckedBeforeReading() throws {
        let directory = try FileTestDirectory()
        let url = directory.url.appendingPathComponent("big.toml")
        // A sparse 5 MB file: refused from its size alone.
        #expect(FileManager.default.createFile(atPath: url.path, contents: nil))
        #expect(truncate(url.path, 5_200_000) == 0)
        let error = try #require(readError { _ = try ReadableFile.text(of: url, expected: "a theme file", maximumByteCount: 1_000_000) })
        #expect(error.reason == .tooLarge(byteCount: 5_200_000, limit: 1_000_000))
        #expect(error.description == "\(url.path) is 5.2 MB, larger than a theme file may be (at most 1 MB)")
        #expect(try ReadableFile(url, expected: "x", maximumByteCount: 5_200_000).byteCount == 5_200_000)
    }

    @Test func sizesReadAsPeopleWriteThem() {
        #expect(FileReadError.size(812) == "812 bytes")
        #expect(FileReadError.size(45_000) == "45 kB")
        #expect(FileReadError.size(1_000_000) == "1 MB")
        #expect(FileReadError.size(16_000_001) == "16 MB")
        #expect(FileReadError.size(5_240_000) == "5.2 MB")
        #expect(FileReadError.size(123_456_789) == "123 MB")
    }

    @Test func textMustBeUTF8() throws {
        let directory = try FileTestDirectory()
        let url = directory.url.appendingPathComponent("latin1.txt")
        try Data([0x63, 0x61, 0x66, 0xE9]).write(to: url)
        let error = try #require(readError { _ = try ReadableFile.text(of: url, expected: "a prompt list") })
        #expect(error.reason == .notUTF8)
        #expect(error.description == "\(url.path) is not UTF-8 text; give a prompt list")
    }

    @Test func aMissingFileSaysSo() throws {
        let error = try #require(readError { _ = try ReadableFile(URL(fileURLWithPath: "/nonexistent-xyz/a.png"), expected: "a PNG file") })
        #expect(error == FileReadError(path: "/nonexistent-xyz/a.png", reason: .cannotOpen("No such file or directory"), expected: "a PNG file"))
    }

    private func readError(_ body: () throws -> Void) -> FileReadError? {
        do {
            try body()
            Issue.record("expected a FileReadError, nothing was thrown")
        } catch let error as FileReadError {
            return error
        } catch {
            Issue.record("expected a FileReadError, got \(error)")
        }
        return nil
    }
}

/// A fresh directory under the system temp directory, removed when the value is released.
final class FileTestDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("FileTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// A new FIFO in the directory.
    func fifo(_ name: String) throws -> URL {
        let fifo = url.appendingPathComponent(name)
        guard mkfifo(fifo.path, 0o600) == 0 else { throw CocoaError(.fileWriteUnknown) }
        return fifo
    }

    /// The directory's entries, sorted.
    func entries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }
}
