import Foundation
import Testing
import TestSupport
@testable import FlowCore

/// float8 (F8_E4M3, F8_E5M2) against values written by PyTorch (`Tests/Reference/make_f8_fixtures.py`):
/// all 256 bytes of each format decoded exactly, and torch's float32 → float8 rounding.
@Suite struct Float8Tests {
    /// Same value, bit for bit (so -0 ≠ +0), with every NaN equal to every NaN.
    static func same(_ a: Float, _ b: Float) -> Bool {
        a.isNaN ? b.isNaN : a.bitPattern == b.bitPattern
    }

    static func mismatches(_ result: [Float], _ reference: [Float]) -> [String] {
        zip(result.indices, zip(result, reference)).compactMap { i, pair in
            same(pair.0, pair.1) ? nil : "[\(i)] \(pair.0) vs torch \(pair.1)"
        }
    }

    @Test(arguments: [("e4m3fn", SafeTensorsDType.f8E4M3), ("e5m2", .f8E5M2)])
    func everyByteDecodesAsTorchDoes(name: String, dtype: SafeTensorsDType) throws {
        let file = try ReferenceFixtures.open("float8.safetensors")
        #expect(file.dtype(of: "\(name).all") == dtype)
        let decoded = try file.tensor("\(name).all")
        let reference = try file.tensor("\(name).as_f32")
        #expect(decoded.shape == [256] && reference.shape == [256])
        #expect(Self.mismatches(decoded.scalars, reference.scalars).isEmpty)
        // The scalar decoders (the table's source) agree too, and NaN is where torch puts it.
        let table = dtype == .f8E4M3 ? Float8Conversion.e4m3fnTable : Float8Conversion.e5m2Table
        #expect(Self.mismatches(table, reference.scalars).isEmpty)
        let nanBytes = (0..<256).filter { reference.scalars[$0].isNaN }
        #expect(nanBytes == (dtype == .f8E4M3 ? [0x7F, 0xFF] : [0x7D, 0x7E, 0x7F, 0xFD, 0xFE, 0xFF]))
        #expect(reference.scalars.filter { $0.isFinite }.map(abs).max() == (dtype == .f8E4M3 ? 448 : 57344))
    }

    @Test func encodingRoundsAsTorchDoes() throws {
        let file = try ReferenceFixtures.open("float8.safetensors")
        let input = try file.tensor("encode.input").scalars
        #expect(input.count > 1000)
        for (name, encode, table) in [("e4m3fn", Float8Conversion.e4m3fnBits, Float8Conversion.e4m3fnTable),
                                      ("e5m2", Float8Conversion.e5m2Bits, Float8Conversion.e5m2Table)] {
            // decode is one-to-one apart from NaN, so equal decoded values mean equal bytes.
            let torch = try file.tensor("encode.\(name)").scalars
            let ours = input.map { table[Int(encode($0))] }
            let bad = Self.mismatches(ours, torch)
            #expect(bad.isEmpty, "\(name): \(bad.count) of \(input.count) differ: \(bad.prefix(5))")
        }
        // Spot checks of the rules: ties to even, saturation (e4m3fn), overflow to infinity (e5m2).
        #expect(Float8Conversion.e4m3fnBits(1.0625) == 0x38 && Float8Conversion.e4m3fnBits(1.1875) == 0x3A)
        #expect(Float8Conversion.e4m3fnBits(1e6) == 0x7E && Float8Conversion.e4m3fnBits(-.infinity) == 0xFE)
        #expect(Float8Conversion.e4m3fnBits(.nan) == 0x7F)
        #expect(Float8Conversion.e5m2Bits(1e6) == 0x7C && Float8Conversion.e5m2Bits(-.infinity) == 0xFC)
    }

    @Test(arguments: [SafeTensorsDType.f8E4M3, .f8E5M2])
    func writeAndReadBack(dtype: SafeTensorsDType) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("f8-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("t5xxl_fp8.safetensors")
        var rng = SplitMix64(seed: 7)
        let values = (0..<3000).map { _ in Float.random(in: -500...500, using: &rng) * (Bool.random(using: &rng) ? 1 : 0x1p-10) } + [0, -0.0, .nan, 1e9, -1e9, 0x1p-12]
        try SafeTensors.write(["w": Tensor(shape: [values.count], scalars: values)], dtype: dtype, to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.dtype(of: "w") == dtype)
        // 8-byte length + header + one byte per element.
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as! Int
        let header = try ReadableFile.bytes(of: url, expected: "x").prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect(size == 8 + header + values.count)
        let encode = dtype == .f8E4M3 ? Float8Conversion.e4m3fnBits : Float8Conversion.e5m2Bits
        let table = dtype == .f8E4M3 ? Float8Conversion.e4m3fnTable : Float8Conversion.e5m2Table
        #expect(Self.mismatches(try file.tensor("w").scalars, values.map { table[Int(encode($0))] }).isEmpty)
    }
}
