import TestSupport
import Foundation
import Testing
@testable import FlowCore

/// FlowCore's one way to write a file, with the PNG writer's rules: streams, devices and pipes
/// written into (appending), a directory refused, everything else replaced atomically at the
/// file the symlinks lead to, keeping its permissions; a failure leaves the old file and no
/// temporary file.
@Suite struct WritableFileTests {
    private func mode(_ path: String) -> mode_t {
        var status = stat()
        return stat(path, &status) == 0 ? status.st_mode & 0o7777 : 0
    }

    private func type(_ path: String) -> FileType? {
        var status = stat()
        return lstat(path, &status) == 0 ? FileType(mode: status.st_mode) : nil
    }

    @Test func aNewFileIsWrittenWith0644AndNothingElse() throws {
        let directory = try FileTestDirectory()
        let url = directory.url.appendingPathComponent("new.json")
        try WritableFile.write(Array("{}".utf8), to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "{}")
        #expect(mode(url.path) == 0o644)
        #expect(try directory.entries() == ["new.json"])
    }

    @Test func aReplacedFileKeepsItsPermissions() throws {
        let directory = try FileTestDirectory()
        for permissions: mode_t in [0o600, 0o400, 0o755] {
            let url = directory.url.appendingPathComponent("file-\(String(permissions, radix: 8))")
            try WritableFile.write(Array("old".utf8), to: url)
            #expect(chmod(url.path, permissions) == 0)
            try WritableFile.write(Array("new".utf8), to: url)
            #expect(try String(contentsOf: url, encoding: .utf8) == "new")
            #expect(mode(url.path) == permissions, "mode \(String(permissions, radix: 8))")
        }
    }

    @Test func aSymlinkStaysAndItsTargetIsReplaced() throws {
        let directory = try FileTestDirectory()
        let target = directory.url.appendingPathComponent("model.safetensors")
        try WritableFile.write(Array("old".utf8), to: target)
        #expect(chmod(target.path, 0o400) == 0)
        let link = directory.url.appendingPathComponent("link.safetensors")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "model.safetensors")
        // A chain: a link to the link, from another folder, by an absolute path.
        try FileManager.default.createDirectory(at: directory.url.appendingPathComponent("sub"), withIntermediateDirectories: false)
        let chain = directory.url.appendingPathComponent("sub/chain")
        try FileManager.default.createSymbolicLink(atPath: chain.path, withDestinationPath: "../link.safetensors")

        let destination = try WritableFile(chain)
        #expect(!destination.isStream)
        #expect(destination.target == directory.url.path + "/sub/../model.safetensors")
        try destination.write { sink in try Array("new".utf8).withUnsafeBytes { try sink.append($0) } }
        #expect(try String(contentsOf: target, encoding: .utf8) == "new")
        #expect(type(link.path) == .symbolicLink && type(chain.path) == .symbolicLink)
        #expect(mode(target.path) == 0o400)
        #expect(try directory.entries() == ["link.safetensors", "model.safetensors", "sub"])
    }

    @Test func aDanglingSymlinkLeadsToTheFileItNames() throws {
        let directory = try FileTestDirectory()
        let link = directory.url.appendingPathComponent("out.png")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "made.png")
        try WritableFile.write(Array("png".utf8), to: link)
        #expect(type(link.path) == .symbolicLink)
        #expect(try String(contentsOf: directory.url.appendingPathComponent("made.png"), encoding: .utf8) == "png")
        #expect(mode(directory.url.appendingPathComponent("made.png").path) == 0o644)
    }

    @Test func aDirectoryIsRefusedAndAnEmptyPathToo() throws {
        let directory = try FileTestDirectory()
        #expect(throws: FileWriteError(path: directory.url.path,
                                       reason: "it is a directory; give a file name inside it, such as DIR/out.safetensors")) {
            try WritableFile(directory.url, example: "out.safetensors")
        }
        // A link to a directory is refused the same way.
        let link = directory.url.appendingPathComponent("dir-link")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: directory.url.path)
        #expect(throws: FileWriteError.self) { try WritableFile.write([1], to: link) }
        #expect(try directory.entries() == ["dir-link"])
    }

    @Test func aFIFOIsWrittenThroughAndStaysAFIFO() throws {
        let directory = try FileTestDirectory()
        let fifo = try directory.fifo("pipe")
        let destination = try WritableFile(fifo)
        #expect(destination.isStream)
        let received = try bytesThroughFIFO(fifo.path) { try destination.write { sink in try Array("through the pipe".utf8).withUnsafeBytes { try sink.append($0) } } }
        #expect(String(decoding: received, as: UTF8.self) == "through the pipe")
        #expect(type(fifo.path) == .fifo)
        #expect(try directory.entries() == ["pipe"])
    }

    /// A device outside /dev (made with mknod as root: a copy of /dev/full) is written into,
    /// and fails with the device's error, staying a device: root's `--out /dev/full` once turned
    /// the device into a regular file.
    @Test func aDeviceIsWrittenIntoNotReplaced() throws {
        let directory = try FileTestDirectory()
        let full = directory.url.appendingPathComponent("full")
        // makedev(1, 7); without root there is nothing to test.
        guard mknod(full.path, S_IFCHR | 0o666, dev_t(1 << 8 | 7)) == 0 else { return }
        let destination = try WritableFile(full)
        #expect(destination.isStream)
        #expect(throws: FileWriteError(path: full.path, reason: "No space left on device")) {
            try destination.write { sink in try [UInt8](repeating: 7, count: 100).withUnsafeBytes { try sink.append($0) } }
        }
        #expect(type(full.path) == .characterDevice)
        #expect(try directory.entries() == ["full"])
        // /dev/null by its /dev path: written straight into.
        try WritableFile.write([1, 2, 3], to: URL(fileURLWithPath: "/dev/null"))
        #expect(type("/dev/null") == .characterDevice)
    }

    /// `--out /proc/self/fd/N` (`/dev/stdout >> file`): appended to, never replaced.
    @Test func theProcessStreamIsAppendedTo() throws {
        let directory = try FileTestDirectory()
        let log = directory.url.appendingPathComponent("log")
        try Data("HEAD".utf8).write(to: log)
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        let stream = URL(fileURLWithPath: "/proc/self/fd/\(handle.fileDescriptor)")
        try WritableFile(stream).checkWritable()
        try WritableFile.write(Array("TAIL".utf8), to: stream)
        #expect(try String(contentsOf: log, encoding: .utf8) == "HEADTAIL")
    }

    /// /dev/shm holds ordinary files: they are replaced atomically like any other, not appended to.
    @Test func devShmIsAnOrdinaryFolder() throws {
        var status = stat()
        guard stat("/dev/shm", &status) == 0, FileType(mode: status.st_mode) == .directory else { return }
        let url = URL(fileURLWithPath: "/dev/shm/flowstudio-test-\(UUID().uuidString).json")
        defer { unlink(url.path) }
        try WritableFile.write(Array("first".utf8), to: url)
        #expect(!(try WritableFile(url).isStream))
        try WritableFile.write(Array("second".utf8), to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "second")
    }

    @Test func aFailedWriteLeavesTheOldFileAndNoTemporaryFile() throws {
        let directory = try FileTestDirectory()
        let url = directory.url.appendingPathComponent("favorites.json")
        try WritableFile.write(Array("old".utf8), to: url)
        #expect(chmod(url.path, 0o600) == 0)
        struct Interrupted: Error {}
        #expect(throws: Interrupted.self) {
            try WritableFile(url).write { sink in
                try Array("half of the new cont".utf8).withUnsafeBytes { try sink.append($0) }
                throw Interrupted()
            }
        }
        #expect(try String(contentsOf: url, encoding: .utf8) == "old")
        #expect(mode(url.path) == 0o600)
        #expect(try directory.entries() == ["favorites.json"])
    }

    @Test func aMissingFolderFailsCleanlyAndCheckWritableSaysSoFirst() throws {
        let directory = try FileTestDirectory()
        let url = directory.url.appendingPathComponent("no-such-dir/out.png")
        let reason = "cannot create a file in the directory \(directory.url.path)/no-such-dir (No such file or directory)"
        #expect(throws: FileWriteError(path: url.path, reason: reason)) { try WritableFile(url).checkWritable() }
        #expect(throws: FileWriteError(path: url.path, reason: reason)) { try WritableFile.write([1], to: url) }
        #expect(try directory.entries().isEmpty)
        try WritableFile(directory.url.appendingPathComponent("fine.png")).checkWritable()
        #expect(try directory.entries().isEmpty)
    }
}
