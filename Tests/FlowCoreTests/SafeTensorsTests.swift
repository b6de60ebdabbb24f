import Foundation
import Testing
@testable import FlowCore

/// Reading and writing safetensors: round trips, the exact bytes written, a golden file
/// written by Python, and one test per kind of malformed file.
@Suite struct SafeTensorsTests {

    // MARK: Round trips

    @Test func roundTripF32WithMetadata() throws {
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("model.safetensors")
        let tensors: [String: Tensor] = [
            "blocks.0.weight": Tensor(shape: [2, 3], scalars: [1, -2, 3.5, 0, .infinity, -0x1p-140]),
            "bias": Tensor(shape: [3], scalars: [0.1, 0.2, 0.3]),
            "scalar": Tensor(shape: [], scalars: [42]),
            "empty": Tensor(shape: [0, 5], scalars: []),
            "naïve \"quoted\"\\name\n": Tensor(shape: [1], scalars: [7]),
        ]
        let metadata = ["format": "pt", "note": "ünïcode, \"quotes\", back\\slash\tand\u{1}control"]
        try SafeTensors.write(tensors, metadata: metadata, to: url)

        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.url == url)
        #expect(file.metadata == metadata)
        #expect(file.names == tensors.keys.sorted())
        #expect(try file.allTensors() == tensors)
        #expect(file.dtype(of: "bias") == .f32)
        #expect(file.shape(of: "blocks.0.weight") == [2, 3])
        #expect(file.shape(of: "scalar") == [])
        #expect(file.contains("empty") && !file.contains("missing"))
        #expect(file.dtype(of: "missing") == nil && file.shape(of: "missing") == nil)
        // Nothing but the file itself is left in the directory (no temp file).
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path) == ["model.safetensors"])
    }

    @Test(arguments: [SafeTensorsDType.f16, .bf16])
    func roundTripHalfPrecisionWithMetadata(dtype: SafeTensorsDType) throws {
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("half.safetensors")
        var generator = TestRandom(seed: 5)
        let values = (0..<1000).map { _ in generator.nextFloat() * 200 - 100 }
        let exact: [Float] = [1, -2, 0.5, 0, -0.0, .infinity, -.infinity, 3.0]
        let tensors = [
            "x": Tensor(shape: [10, 100], scalars: values),
            "y": Tensor(shape: [2, 2, 2], scalars: exact),
        ]
        try SafeTensors.write(tensors, metadata: ["dtype": dtype.rawValue], dtype: dtype, to: url)

        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.metadata == ["dtype": dtype.rawValue])
        #expect(file.dtype(of: "x") == dtype)
        let x = try file.tensor("x")
        #expect(x.shape == [10, 100])
        // Read back = the nearest 16-bit value, within half an ulp of the original.
        let rounded = dtype == .f16
            ? values.map { Float16Conversion.float(float16Bits: Float16Conversion.float16Bits($0)) }
            : values.map { Float16Conversion.float(bfloat16Bits: Float16Conversion.bfloat16Bits($0)) }
        #expect(x.scalars == rounded)
        let relativeHalfULP: Float = dtype == .f16 ? 0x1p-11 : 0x1p-8
        #expect(zip(values, x.scalars).allSatisfy { abs($0 - $1) <= relativeHalfULP * abs($0) })
        let y = try file.tensor("y")
        #expect(y.scalars.map(\.bitPattern) == exact.map(\.bitPattern))
        // 2 bytes per element: header, then 1000 + 8 elements.
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int
        #expect(try size == 8 + headerLength(of: url) + 2 * 1008)
    }

    /// A tensor big enough for the parallel conversion path, written and read in BF16 and F16.
    @Test func roundTripLargeHalfTensor() throws {
        let directory = try TemporaryDirectory()
        let count = Float16Conversion.parallelThreshold + 1001
        let tensor = Tensor(shape: [count]) { buffer in
            for i in buffer.indices { buffer[i] = Float(i % 256) - 128 }  // exact in F16 and BF16
        }
        for dtype in [SafeTensorsDType.f16, .bf16] {
            let url = directory.url.appendingPathComponent("large-\(dtype.rawValue).safetensors")
            try SafeTensors.write(["t": tensor], dtype: dtype, to: url)
            #expect(try SafeTensorsFile(contentsOf: url).tensor("t") == tensor)
        }
    }

    @Test func writeOverwritesAtomically() throws {
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("w.safetensors")
        try SafeTensors.write(["a": Tensor(shape: [1], scalars: [1])], to: url)
        try SafeTensors.write(["b": Tensor(shape: [2], scalars: [2, 3])], to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.names == ["b"])
        #expect(try file.tensor("b").scalars == [2, 3])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path) == ["w.safetensors"])
    }

    @Test func writeIntoMissingDirectoryFailsCleanly() throws {
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("no/such/dir/x.safetensors")
        let error = try #require(writeError { try SafeTensors.write(["a": Tensor(zeros: [2])], to: url) })
        guard case .writeFailed = error.kind else { Issue.record("got \(error.kind)"); return }
        #expect(error.description.contains("x.safetensors"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).isEmpty)
    }

    @Test func writeRejectsReservedName() throws {
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("r.safetensors")
        let error = try #require(writeError { try SafeTensors.write(["__metadata__": Tensor(zeros: [1])], to: url) })
        #expect(error.kind == .reservedTensorName("__metadata__"))
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }

    // MARK: Layout written

    /// The exact bytes: u64 LE header length, the JSON (metadata first, names sorted, offsets
    /// back to back), spaces up to a multiple of 8, then the data in name order.
    @Test func writtenBytesFollowTheFormat() throws {
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("exact.safetensors")
        try SafeTensors.write([
            "b": Tensor(shape: [2], scalars: [1, 2]),
            "a": Tensor(shape: [1, 1], scalars: [-1]),
        ], metadata: ["k": "v"], dtype: .bf16, to: url)
        let bytes = [UInt8](try Data(contentsOf: url))

        let json = #"{"__metadata__":{"k":"v"},"a":{"dtype":"BF16","shape":[1,1],"data_offsets":[0,2]},"#
            + #""b":{"dtype":"BF16","shape":[2],"data_offsets":[2,6]}}"#
        let padded = Array(json.utf8) + Array(repeating: UInt8(ascii: " "), count: (8 - json.utf8.count % 8) % 8)
        var expected = withUnsafeBytes(of: UInt64(padded.count).littleEndian, Array.init)
        expected += padded
        expected += [0x80, 0xBF, 0x80, 0x3F, 0x00, 0x40]  // BF16 -1, 1, 2 little-endian
        #expect(bytes == expected)
        #expect((8 + padded.count) % 8 == 0)
    }

    @Test func emptyFileRoundTrips() throws {
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("empty.safetensors")
        try SafeTensors.write([:], to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.names.isEmpty && file.metadata.isEmpty)
        #expect(try file.allTensors().isEmpty)
        #expect(try Data(contentsOf: url) == Data([8, 0, 0, 0, 0, 0, 0, 0] + Array("{}      ".utf8)))
    }

    // MARK: Golden file written by Python

    /// `Fixtures/python_written.safetensors`, written by `Fixtures/make_safetensors_fixture.py`
    /// (NumPy only; also loads in `safetensors.torch.load_file`). Its tensors are laid out as
    /// gamma, alpha, beta, scalar, empty, so F32 `alpha` sits at an unaligned offset.
    @Test func readsGoldenFileWrittenByPython() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/python_written.safetensors")
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.metadata == ["format": "pt", "note": "written by make_safetensors_fixture.py"])
        #expect(file.names == ["alpha", "beta", "empty", "gamma", "scalar"])
        #expect(file.dtype(of: "alpha") == .f32)
        #expect(file.dtype(of: "beta") == .f16)
        #expect(file.dtype(of: "gamma") == .bf16)

        let alpha = try file.tensor("alpha")
        #expect(alpha.shape == [2, 3])
        #expect(alpha.scalars == [0, 1, -2.5, 3.25, Float(1e-3), 65504])
        let beta = try file.tensor("beta")
        #expect(beta.shape == [2, 4])
        // NumPy's float16 rounding: 0.1 → 0x2E66 = 0.0999755859375; 2^-24 is the smallest subnormal.
        #expect(beta.scalars == [1, -2, 65504, 0x1p-24, -0.0, .infinity, -.infinity, 0.0999755859375])
        #expect(beta[1, 0].sign == .minus)
        let gamma = try file.tensor("gamma")
        #expect(gamma.shape == [3])
        #expect(gamma.scalars == [1, -5, 0.333984375])  // BF16 of 1/3, rounded to nearest even
        #expect(try file.tensor("scalar") == Tensor(shape: [], scalars: [7.5]))
        #expect(try file.tensor("empty") == Tensor(zeros: [0, 4]))
    }

    /// Data that a foreign writer left at odd addresses (header length 9) still reads.
    @Test func readsUnalignedData() throws {
        let directory = try TemporaryDirectory()
        let f16: [UInt8] = [0x00, 0x3C, 0x00, 0xC0]                          // 1, -2
        let f32 = withUnsafeBytes(of: Float(3.5).bitPattern.littleEndian, Array.init)
        let header = #"{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"f":{"dtype":"F32","shape":[1],"data_offsets":[5,9]}}"#
        let headerBytes = Array(header.utf8) + (Array(header.utf8).count % 2 == 0 ? [0x20] : [])  // odd length
        let url = try directory.write("unaligned.safetensors", header: headerBytes, data: f16 + [0xAA] + f32)
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(try file.tensor("h").scalars == [1, -2])
        #expect(try file.tensor("f").scalars == [3.5])
    }

    /// Gaps between tensors, overlapping ranges and trailing bytes are allowed.
    @Test func allowsGapsAndOverlaps() throws {
        let directory = try TemporaryDirectory()
        let data = [Float(1), 2, 3, 4].flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
        let url = try directory.write("overlap.safetensors", json: #"""
            {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},
             "b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]},
             "c":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}}
            """#, data: data + [0, 0, 0])
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(try file.tensor("a").scalars == [1, 2])
        #expect(try file.tensor("b").scalars == [2, 3])
        #expect(try file.tensor("c").scalars == [4])
    }

    // MARK: Malformed files

    @Test func rejectsFilesShorterThanEightBytes() throws {
        let directory = try TemporaryDirectory()
        for length in [0, 5] {
            let url = directory.url.appendingPathComponent("short\(length).safetensors")
            try Data(repeating: 1, count: length).write(to: url)
            let error = try #require(openError(url))
            #expect(error.kind == .fileTooShort(byteCount: length))
            #expect(error.description.contains("short\(length).safetensors"))
        }
    }

    @Test func rejectsMissingFileAndDirectory() throws {
        let directory = try TemporaryDirectory()
        let missing = directory.url.appendingPathComponent("absent.safetensors")
        let error = try #require(openError(missing))
        guard case .cannotRead(let reason) = error.kind else { Issue.record("got \(error.kind)"); return }
        #expect(reason.contains("No such file"))
        #expect(error.description.contains("absent.safetensors"))

        let notAFile = try #require(openError(directory.url))
        #expect(notAFile.kind == .notAFile(.directory))
        #expect(notAFile.description == "\(directory.url.path) is a directory, not a file; give a safetensors file.")
    }

    @Test func rejectsHeaderLengthBeyondTheFile() throws {
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("long.safetensors")
        for length in [UInt64(100), .max] {
            var bytes = withUnsafeBytes(of: length.littleEndian, Array.init)
            bytes += Array(#"{"a":1}"#.utf8)
            try Data(bytes).write(to: url)
            let error = try #require(openError(url))
            #expect(error.kind == .headerLengthTooLarge(headerLength: length, fileSize: 15))
            #expect(error.description.contains("long.safetensors"))
        }
    }

    @Test func rejectsHeaderThatIsNotJSON() throws {
        let directory = try TemporaryDirectory()
        let url = try directory.write("garbage.safetensors", json: #"{"a": {"dtype": "F32",, }"#)
        let error = try #require(openError(url))
        guard case .headerNotJSON = error.kind else { Issue.record("got \(error.kind)"); return }
        #expect(error.description.contains("garbage.safetensors") && error.description.contains("not valid JSON"))

        let notUTF8 = try directory.write("binary.safetensors", header: [0x7B, 0xFF, 0xFE, 0x7D], data: [])
        let binaryError = try #require(openError(notUTF8))
        guard case .headerNotJSON = binaryError.kind else { Issue.record("got \(binaryError.kind)"); return }
    }

    @Test func rejectsHeaderThatIsNotAnObject() throws {
        let directory = try TemporaryDirectory()
        for json in [#"[1, 2, 3]"#, #""text""#, "42"] {
            let url = try directory.write("array.safetensors", json: json)
            let error = try #require(openError(url))
            #expect(error.kind == .headerNotObject, "header \(json)")
        }
    }

    @Test func rejectsUnsupportedDType() throws {
        let directory = try TemporaryDirectory()
        let url = try directory.write("int8.safetensors",
                                      json: #"{"q": {"dtype": "I8", "shape": [4], "data_offsets": [0, 4]}}"#,
                                      data: [1, 2, 3, 4])
        let error = try #require(openError(url))
        #expect(error.kind == .unsupportedDType(name: "q", dtype: "I8"))
        for needle in ["int8.safetensors", "\"q\"", "\"I8\"", "F32, F16, BF16", "F64"] {
            #expect(error.description.contains(needle), "description lacks \(needle): \(error.description)")
        }
    }

    @Test func rejectsShapeThatDisagreesWithByteCount() throws {
        let directory = try TemporaryDirectory()
        let url = try directory.write("size.safetensors",
                                      json: #"{"w": {"dtype": "F16", "shape": [2, 3], "data_offsets": [0, 8]}}"#,
                                      data: Array(repeating: 0, count: 8))
        let error = try #require(openError(url))
        #expect(error.kind == .byteCountMismatch(name: "w", shape: [2, 3], dtype: .f16, expected: 12, actual: 8))
        #expect(error.description.contains("size.safetensors") && error.description.contains("[2, 3]"))

        // A shape whose element count overflows Int is a mismatch too, not a crash.
        let huge = try directory.write("huge.safetensors", json: #"""
            {"w": {"dtype": "F32", "shape": [4294967296, 4294967296, 4], "data_offsets": [0, 0]}}
            """#)
        let hugeError = try #require(openError(huge))
        guard case .byteCountMismatch(name: "w", _, _, _, actual: 0) = hugeError.kind else {
            Issue.record("got \(hugeError.kind)"); return
        }
    }

    @Test(arguments: [(0, 12), (4, 2), (12, 12), (0, 1 << 62)])
    func rejectsOffsetsOutsideTheData(begin: Int, end: Int) throws {
        let directory = try TemporaryDirectory()
        let url = try directory.write("offsets.safetensors",
                                      json: #"{"w": {"dtype": "F32", "shape": [0], "data_offsets": [\#(begin), \#(end)]}}"#,
                                      data: Array(repeating: 0, count: 8))
        let error = try #require(openError(url))
        #expect(error.kind == .offsetsOutOfRange(name: "w", begin: begin, end: end, dataByteCount: 8))
        #expect(error.description.contains("offsets.safetensors"))
    }

    @Test(arguments: [
        (#"{"w": 3}"#, "not an object"),
        (#"{"w": {"shape": [1], "data_offsets": [0, 4]}}"#, "\"dtype\" is missing"),
        (#"{"w": {"dtype": 32, "shape": [1], "data_offsets": [0, 4]}}"#, "not a string"),
        (#"{"w": {"dtype": "F32", "data_offsets": [0, 4]}}"#, "\"shape\" is missing"),
        (#"{"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}"#, "non-negative integers"),
        (#"{"w": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}"#, "non-negative integers"),
        (#"{"w": {"dtype": "F32", "shape": "1", "data_offsets": [0, 4]}}"#, "non-negative integers"),
        (#"{"w": {"dtype": "F32", "shape": [1]}}"#, "\"data_offsets\" is missing"),
        (#"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0]}}"#, "[begin, end]"),
        (#"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4, 8]}}"#, "[begin, end]"),
        (#"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [true, 4]}}"#, "[begin, end]"),
    ])
    func rejectsMalformedEntries(json: String, reason: String) throws {
        let directory = try TemporaryDirectory()
        let url = try directory.write("entry.safetensors", json: json, data: Array(repeating: 0, count: 8))
        let error = try #require(openError(url))
        guard case .malformedEntry(name: "w", reason: let actual) = error.kind else {
            Issue.record("\(json): got \(error.kind)"); return
        }
        #expect(actual.contains(reason), "\(json): reason \(actual)")
        #expect(error.description.contains("entry.safetensors"))
    }

    @Test(arguments: [
        (#"{"__metadata__": {"a": "b", "n": 3}}"#, "\"n\""),
        (#"{"__metadata__": {"nested": {"x": "y"}}}"#, "\"nested\""),
        (#"{"__metadata__": ["a", "b"]}"#, "an array"),
        (#"{"__metadata__": "text"}"#, "a string"),
    ])
    func rejectsMetadataThatIsNotStrings(json: String, mentions: String) throws {
        let directory = try TemporaryDirectory()
        let url = try directory.write("meta.safetensors", json: json)
        let error = try #require(openError(url))
        guard case .invalidMetadata(let reason) = error.kind else { Issue.record("got \(error.kind)"); return }
        #expect(reason.contains(mentions), "reason: \(reason)")
        #expect(error.description.contains("meta.safetensors") && error.description.contains("__metadata__"))
    }

    @Test func missingTensorErrorListsNames() throws {
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("names.safetensors")
        let names = ["blocks.0.attn.to_q.weight", "blocks.0.attn.to_k.weight", "blocks.0.attn.to_v.weight",
                     "blocks.1.attn.to_q.weight", "final.weight", "pos_embed", "x_embedder.bias"]
        try SafeTensors.write(Dictionary(uniqueKeysWithValues: names.map { ($0, Tensor(zeros: [1])) }), to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        let error = try #require(throwsSafeTensorsError { _ = try file.tensor("blocks.0.attn.to_out.weight") })
        guard case .tensorNotFound(let name, let available, let total) = error.kind else {
            Issue.record("got \(error.kind)"); return
        }
        #expect(name == "blocks.0.attn.to_out.weight")
        #expect(total == 7)
        #expect(available.count == 5)
        #expect(Array(available.prefix(3)) == ["blocks.0.attn.to_k.weight", "blocks.0.attn.to_q.weight",
                                               "blocks.0.attn.to_v.weight"])
        #expect(error.description.contains("names.safetensors"))
        #expect(error.description.contains("\"blocks.0.attn.to_q.weight\""))
        #expect(error.description.contains("7 in all"))
    }

    @Test func headerWithOnlyMetadataAndPadding() throws {
        let directory = try TemporaryDirectory()
        let url = try directory.write("meta-only.safetensors", json: #"{"__metadata__": {"a": "b"}}      "#)
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.names.isEmpty)
        #expect(file.metadata == ["a": "b"])
        let error = try #require(throwsSafeTensorsError { _ = try file.tensor("x") })
        #expect(error.description.contains("holds no tensors"))
    }

    // MARK: Helpers

    private func openError(_ url: URL) -> SafeTensorsError? {
        throwsSafeTensorsError { _ = try SafeTensorsFile(contentsOf: url) }
    }

    private func writeError(_ body: () throws -> Void) -> SafeTensorsError? {
        throwsSafeTensorsError(body)
    }

    /// The `SafeTensorsError` thrown by `body`; records an issue if it throws anything else
    /// or nothing.
    private func throwsSafeTensorsError(_ body: () throws -> Void) -> SafeTensorsError? {
        do {
            try body()
            Issue.record("expected a SafeTensorsError, nothing was thrown")
        } catch let error as SafeTensorsError {
            return error
        } catch {
            Issue.record("expected a SafeTensorsError, got \(error)")
        }
        return nil
    }

    /// The header length N stored in the first 8 bytes of a file.
    private func headerLength(of url: URL) throws -> Int {
        let bytes = try Data(contentsOf: url).prefix(8)
        return Int(bytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    }
}

/// A fresh directory under the system temp directory, removed when the value is released.
private final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("SafeTensorsTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes a safetensors-shaped file by hand: u64 LE header length, `header`, `data`.
    func write(_ name: String, header: [UInt8], data: [UInt8]) throws -> URL {
        let file = url.appendingPathComponent(name)
        var bytes = withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init)
        bytes += header
        bytes += data
        try Data(bytes).write(to: file)
        return file
    }

    /// Writes a file whose header is `json` (as UTF-8) followed by `data`.
    func write(_ name: String, json: String, data: [UInt8] = []) throws -> URL {
        try write(name, header: Array(json.utf8), data: data)
    }
}

/// A small seeded generator for test inputs (SplitMix64).
private struct TestRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    /// Uniform in [0, 1).
    mutating func nextFloat() -> Float {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Float((z ^ (z >> 31)) >> 40) * 0x1p-24
    }
}
