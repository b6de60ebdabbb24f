import TestSupport
import Foundation
import Testing
@testable import FlowCore

/// The safetensors reader and writer on paths that are not plain files: FIFOs, devices,
/// folders, symlinks (QA found `--model FIFO` blocking forever, and the writer replacing a
/// symlink, a FIFO or even /dev/full, and turning a 0400 model into 0644), and the header cap.
@Suite struct SafeTensorsFileTypeTests {
    private let tensors = ["a": Tensor(shape: [2], scalars: [1, 2]), "b": Tensor(shape: [1], scalars: [3])]

    private func openError(_ url: URL) -> SafeTensorsError? {
        do {
            _ = try SafeTensorsFile(contentsOf: url)
            Issue.record("opening \(url.path) succeeded")
        } catch let error as SafeTensorsError {
            return error
        } catch {
            Issue.record("expected a SafeTensorsError, got \(error)")
        }
        return nil
    }

    private func fileType(_ path: String) -> FileType? {
        var status = stat()
        return lstat(path, &status) == 0 ? FileType(mode: status.st_mode) : nil
    }

    // MARK: Reading

    @Test func aFIFOIsRefusedAtOnce() throws {
        let directory = try FileTestDirectory()
        let fifo = try directory.fifo("model.safetensors")
        let error = try #require(withFIFOWatchdog(fifo.path) { openError(fifo) })
        #expect(error.kind == .notAFile(.fifo))
        #expect(error.description == "\(fifo.path) is a FIFO (named pipe), not a file; give a safetensors file.")
    }

    @Test func aDeviceIsRefused() throws {
        let error = try #require(openError(URL(fileURLWithPath: "/dev/zero")))
        #expect(error.kind == .notAFile(.characterDevice))
    }

    @Test func aSymlinkIsReadAndADanglingOneIsMissing() throws {
        let directory = try FileTestDirectory()
        let target = directory.url.appendingPathComponent("model.safetensors")
        try SafeTensors.write(tensors, to: target)
        let link = directory.url.appendingPathComponent("link.safetensors")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "model.safetensors")
        #expect(try SafeTensorsFile(contentsOf: link).allTensors() == tensors)
        let dangling = directory.url.appendingPathComponent("dangling.safetensors")
        try FileManager.default.createSymbolicLink(atPath: dangling.path, withDestinationPath: "gone.safetensors")
        #expect(openError(dangling)?.kind == .cannotRead(reason: "No such file or directory"))
    }

    /// A header length over 100 MB (the reference implementation's limit) in a file that long
    /// is refused before the header is copied or parsed (it used to cost 2.35× the claim in memory).
    @Test func aHeaderOver100MBIsRefused() throws {
        let directory = try FileTestDirectory()
        let url = directory.url.appendingPathComponent("huge-header.safetensors")
        let claim = UInt64(SafeTensorsFile.maximumHeaderByteCount + 8)
        try Data(withUnsafeBytes(of: claim.littleEndian, Array.init) + Array("{".utf8)).write(to: url)
        #expect(truncate(url.path, off_t(claim + 8)) == 0)  // sparse: no disk space used
        let error = try #require(openError(url))
        #expect(error.kind == .headerTooLarge(headerLength: claim, limit: 100_000_000))
        #expect(error.description.contains("more than the 100000000 bytes a safetensors header may have"))
    }

    // MARK: Writing

    @Test func writingThroughASymlinkKeepsTheLinkAndTheTargetsMode() throws {
        let directory = try FileTestDirectory()
        let target = directory.url.appendingPathComponent("model.safetensors")
        try SafeTensors.write(["old": Tensor(zeros: [1])], to: target)
        #expect(chmod(target.path, 0o400) == 0)
        let link = directory.url.appendingPathComponent("link.safetensors")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "model.safetensors")
        try SafeTensors.write(tensors, to: link)
        #expect(fileType(link.path) == .symbolicLink)
        #expect(try SafeTensorsFile(contentsOf: target).allTensors() == tensors)
        var status = stat()
        #expect(stat(target.path, &status) == 0 && status.st_mode & 0o7777 == 0o400)
        #expect(try directory.entries() == ["link.safetensors", "model.safetensors"])

        let dangling = directory.url.appendingPathComponent("new-link.safetensors")
        try FileManager.default.createSymbolicLink(atPath: dangling.path, withDestinationPath: "new.safetensors")
        try SafeTensors.write(tensors, to: dangling)
        #expect(fileType(dangling.path) == .symbolicLink)
        #expect(try SafeTensorsFile(contentsOf: directory.url.appendingPathComponent("new.safetensors")).allTensors() == tensors)
    }

    @Test func writingIntoAFIFOWritesThrough() throws {
        let directory = try FileTestDirectory()
        let fifo = try directory.fifo("out.safetensors")
        let received = try bytesThroughFIFO(fifo.path) { try SafeTensors.write(tensors, to: fifo) }
        #expect(fileType(fifo.path) == .fifo)
        let copy = directory.url.appendingPathComponent("copy.safetensors")
        try received.write(to: copy)
        #expect(try SafeTensorsFile(contentsOf: copy).allTensors() == tensors)
    }

    /// Root's `forward --out /dev/full` turned the device into a regular file. A copy of
    /// /dev/full (mknod, root only) outside /dev: the write fails and the device stays.
    @Test func writingIntoAFullDeviceFailsAndKeepsTheDevice() throws {
        let directory = try FileTestDirectory()
        let full = directory.url.appendingPathComponent("full")
        guard mknod(full.path, S_IFCHR | 0o666, dev_t(1 << 8 | 7)) == 0 else { return }  // makedev(1, 7)
        do {
            try SafeTensors.write(tensors, to: full)
            Issue.record("writing to a full device succeeded")
        } catch let error as SafeTensorsError {
            #expect(error.kind == .writeFailed(reason: "No space left on device"))
        }
        #expect(fileType(full.path) == .characterDevice)
        #expect(try directory.entries() == ["full"])
    }

    @Test func writingOntoADirectoryIsRefused() throws {
        let directory = try FileTestDirectory()
        do {
            try SafeTensors.write(tensors, to: directory.url)
            Issue.record("writing onto a directory succeeded")
        } catch let error as SafeTensorsError {
            #expect(error.kind == .writeFailed(reason: "it is a directory; give a file name inside it, such as DIR/out.safetensors"))
        }
        #expect(try directory.entries().isEmpty)
    }
}
