import Foundation
import Testing
import TestSupport
@testable import FlowCore

/// Hostile and damaged GGUF files: each is one `GGUFError` that names the problem, never a crash
/// or an allocation sized by the file.
@Suite struct GGUFBadInputTests {
    /// A valid file with one F32 tensor "w" of PyTorch shape [2, 32].
    static func valid() -> GGUFTestWriter {
        let data = (0..<64).flatMap { GGUFTestWriter.le(Float($0).bitPattern) }
        return GGUFTestWriter(metadata: [.string("general.architecture", "sd3")],
                              tensors: [.init(name: "w", dimensions: [32, 2], type: 0, data: data)])
    }

    /// Parses `bytes` (in memory, as the fuzz target does) and returns the error's kind.
    static func kind(_ bytes: [UInt8]) -> GGUFError.Kind? {
        do {
            _ = try bytes.withUnsafeBytes { try GGUFHeader(bytes: $0, path: "test.gguf") }
            return nil
        } catch let error as GGUFError {
            return error.kind
        } catch {
            return .cannotRead(reason: "unexpected \(error)")
        }
    }

    /// Writes `writer` to a temporary file and opens it; returns the error.
    static func openError(_ bytes: [UInt8]) throws -> GGUFError? {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-\(UUID().uuidString).gguf")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        do { _ = try GGUFFile(contentsOf: url); return nil } catch let error as GGUFError { return error }
    }

    @Test func theValidFileReads() throws {
        #expect(Self.kind(Self.valid().bytes()) == nil)
        #expect(try Self.openError(Self.valid().bytes()) == nil)
    }

    @Test func badMagicAndVersions() throws {
        var bytes = Self.valid().bytes()
        bytes[0] = UInt8(ascii: "P")
        #expect(Self.kind(bytes) == .badMagic(found: Array("PGUF".utf8)))
        let error = try #require(try Self.openError(Array("PK\u{3}\u{4}".utf8) + [UInt8](repeating: 0, count: 40)))
        #expect(error.description.contains("not a GGUF file") && error.description.contains("PK"), "\(error)")
        #expect(try Self.openError([0x47, 0x47]).map { "\($0)" }?.contains("not a GGUF file") == true)

        var v1 = Self.valid(); v1.version = 1
        #expect(Self.kind(v1.bytes()) == .unsupportedVersion(1, bigEndian: false))
        var big = Self.valid(); big.version = UInt32(3).byteSwapped
        #expect(Self.kind(big.bytes()) == .unsupportedVersion(UInt32(3).byteSwapped, bigEndian: true))
        #expect("\(GGUFError(.unsupportedVersion(UInt32(3).byteSwapped, bigEndian: true), path: "x"))".contains("big-endian"))
    }

    @Test func countsThatWouldOverflowAreRefusedBeforeAllocating() {
        for count in [UInt64.max, UInt64(Int.max), 1 << 40, 1000] {
            var w = Self.valid(); w.tensorCountOverride = count
            guard case .countTooLarge(let what, count, _)? = Self.kind(w.bytes()) else {
                Issue.record("tensor count \(count): \(String(describing: Self.kind(w.bytes())))"); continue
            }
            #expect(what == "tensor count")
            var m = Self.valid(); m.metadataCountOverride = count
            guard case .countTooLarge("metadata count", count, _)? = Self.kind(m.bytes()) else {
                Issue.record("metadata count \(count): \(String(describing: Self.kind(m.bytes())))"); continue
            }
        }
        // An array whose length would overflow count × element size.
        var w = Self.valid()
        w.metadata.append(.init(key: "a", type: 9, value: GGUFTestWriter.le(UInt32(10)) + GGUFTestWriter.le(UInt64.max / 4)))
        guard case .countTooLarge(let what, _, _)? = Self.kind(w.bytes()) else { Issue.record("array"); return }
        #expect(what.contains("array length"))
    }

    @Test func stringLengthsThatRunPastTheEnd() throws {
        for length in [UInt64.max, UInt64(Int.max), 1 << 33] {
            var w = Self.valid()
            w.metadata.append(.init(key: "s", type: 8, value: GGUFTestWriter.le(length)))
            guard case .truncated(let what, _, length, _)? = Self.kind(w.bytes()) else {
                Issue.record("length \(length): \(String(describing: Self.kind(w.bytes())))"); continue
            }
            #expect(what.contains("metadata \"s\""))
        }
        // A key's own length.
        var bytes = Array("GGUF".utf8) + GGUFTestWriter.le(UInt32(3)) + GGUFTestWriter.le(UInt64(0)) + GGUFTestWriter.le(UInt64(1))
        bytes += GGUFTestWriter.le(UInt64.max) + [UInt8](repeating: 65, count: 16)
        guard case .truncated(let what, _, _, _)? = Self.kind(bytes) else { Issue.record("key"); return }
        #expect(what == "metadata key")
        // A tensor name that is not UTF-8.
        var w = Self.valid(); w.tensors[0].name = String(decoding: [0x66], as: UTF8.self)
        var raw = w.bytes()
        let at = try #require(raw.indices.dropFirst(8).first { raw[$0] == 0x66 && raw[$0 - 8] == 1 })
        raw[at] = 0xFF
        guard case .invalidName(_, "is not UTF-8")? = Self.kind(raw) else { Issue.record("utf8: \(String(describing: Self.kind(raw)))"); return }
    }

    @Test func dimensionProductsThatOverflow() {
        for dims: [UInt64] in [[1 << 32, 1 << 32], [UInt64.max, 1], [1 << 62, 4], [32, 1 << 61], [0, 1 << 40, 1 << 40]] {
            var w = Self.valid(); w.tensors[0].dimensions = dims
            #expect(Self.kind(w.bytes()) == .dimensionsTooLarge(name: "w", dimensions: dims), "\(dims)")
        }
        // The byte count (not the element count) overflows: Q8_0 at 34 bytes per 32 values.
        var q = Self.valid(); q.tensors[0].type = 8; q.tensors[0].dimensions = [UInt64(Int.max) - 31]
        #expect(Self.kind(q.bytes()) == .dimensionsTooLarge(name: "w", dimensions: [UInt64(Int.max) - 31]))
        var five = Self.valid(); five.tensors[0].dimensions = [32, 2, 1, 1, 1]
        #expect(Self.kind(five.bytes()) == .tooManyDimensions(name: "w", count: 5))
    }

    @Test func tensorDataRunningPastTheEnd() throws {
        let bytes = Self.valid().bytes()
        // Cut the file short: the tensor's 256 bytes no longer fit.
        let cut = Array(bytes.dropLast(1))
        guard case .dataPastEnd("w", _, 256, cut.count)? = Self.kind(cut) else {
            Issue.record("\(String(describing: Self.kind(cut)))"); return
        }
        let error = try #require(try Self.openError(cut))
        #expect(error.description.contains("past the end"), "\(error)")
        // An offset far away, and one that overflows the file offset.
        for offset: UInt64 in [1 << 20, UInt64.max - 31, UInt64(Int.max) - 31] {
            var w = Self.valid(); w.tensors[0].offset = offset
            guard case .dataPastEnd("w", _, 256, _)? = Self.kind(w.bytes()) else {
                Issue.record("offset \(offset): \(String(describing: Self.kind(w.bytes())))"); continue
            }
        }
        // Every prefix of the file is an error, never a crash.
        for length in 0..<bytes.count { #expect(Self.kind(Array(bytes.prefix(length))) != nil, "prefix \(length)") }
    }

    @Test func unknownAndUnsupportedBlockTypesAreNamed() throws {
        var unknown = Self.valid(); unknown.tensors[0].type = 99
        #expect(Self.kind(unknown.bytes()) == .unknownBlockType(name: "w", type: 99))
        // Q3_K: 256 values in 110 bytes. Parsing accepts it (the size is known); opening names it.
        var w = Self.valid()
        w.tensors = [.init(name: "a", dimensions: [256, 2], type: 11, data: [UInt8](repeating: 0, count: 220)),
                     .init(name: "b", dimensions: [256], type: 11, data: [UInt8](repeating: 0, count: 110)),
                     .init(name: "c", dimensions: [32], type: 20, data: [UInt8](repeating: 0, count: 18))]
        #expect(Self.kind(w.bytes()) == nil)
        let error = try #require(try Self.openError(w.bytes()))
        #expect(error.kind == .unsupportedBlockTypes([.init(type: .q3_K, count: 2, example: "a"),
                                                      .init(type: .iq4_NL, count: 1, example: "c")]))
        #expect(error.description.contains("Q3_K (2 tensors, e.g. \"a\"), IQ4_NL (1 tensor, e.g. \"c\") are not supported; re-quantize to Q8_0 or Q4_0"),
                "\(error)")
    }

    @Test func misalignedOffsetsAndBadAlignment() {
        var w = Self.valid(); w.tensors[0].offset = 4
        #expect(Self.kind(w.bytes()) == .misalignedOffset(name: "w", offset: 4, alignment: 32))
        for (type, value): (UInt32, [UInt8]) in [(4, GGUFTestWriter.le(UInt32(3))), (4, GGUFTestWriter.le(UInt32(0))),
                                                 (4, GGUFTestWriter.le(UInt32(1) << 31)), (5, GGUFTestWriter.le(Int32(32)))] {
            var a = Self.valid(); a.metadata.append(.init(key: "general.alignment", type: type, value: value))
            guard case .badAlignment? = Self.kind(a.bytes()) else { Issue.record("\(value)"); continue }
        }
        // A partial block: Q8_0 rows of 40 values.
        var q = Self.valid(); q.tensors[0] = .init(name: "q", dimensions: [40, 1], type: 8, data: [UInt8](repeating: 0, count: 34))
        #expect(Self.kind(q.bytes()) == .partialBlock(name: "q", type: .q8_0, firstDimension: 40))
    }

    @Test func duplicatesUnknownValueTypesAndDeepArrays() {
        var d = Self.valid(); d.tensors.append(d.tensors[0])
        #expect(Self.kind(d.bytes()) == .duplicate(what: "tensor", name: "w"))
        var k = Self.valid(); k.metadata.append(k.metadata[0])
        #expect(Self.kind(k.bytes()) == .duplicate(what: "metadata key", name: "general.architecture"))
        var t = Self.valid(); t.metadata.append(.init(key: "x", type: 13, value: []))
        #expect(Self.kind(t.bytes()) == .unknownValueType(key: "x", type: 13))
        var nested: [UInt8] = GGUFTestWriter.le(UInt32(6)) + GGUFTestWriter.le(UInt64(0))  // [] of float32
        for _ in 0..<5 { nested = GGUFTestWriter.le(UInt32(9)) + GGUFTestWriter.le(UInt64(1)) + nested }
        var deep = Self.valid(); deep.metadata.append(.init(key: "deep", type: 9, value: nested))
        #expect(Self.kind(deep.bytes()) == .arrayTooDeep(key: "deep"))
    }

    @Test func comfyOriginalShapeMustMatch() {
        var w = Self.valid()
        let shape = GGUFTestWriter.le(UInt32(5)) + GGUFTestWriter.le(UInt64(2)) + GGUFTestWriter.le(Int32(3)) + GGUFTestWriter.le(Int32(7))
        w.metadata.append(.init(key: "comfy.gguf.orig_shape.w", type: 9, value: shape))
        guard case .badOriginalShape("w", _)? = Self.kind(w.bytes()) else { Issue.record("\(String(describing: Self.kind(w.bytes())))"); return }
    }

    @Test func aFIFOIsRefusedWithoutBlocking() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-fifo-\(UUID().uuidString).gguf")
        #expect(mkfifo(url.path, 0o600) == 0)
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            _ = try GGUFFile(contentsOf: url)
            Issue.record("a FIFO opened")
        } catch let error as GGUFError {
            #expect(error.kind == .notAFile(.fifo), "\(error)")
        }
    }
}
