import TestSupport
import Foundation
import Testing
@testable import FlowCore

/// F16 / BF16 ↔ F32 conversions: known bit patterns, then the fast bit tricks against the
/// reference twins (Swift's `Float16` for F16, nearest-by-distance in Double for BF16).
@Suite struct SafeTensorsFloat16Tests {

    // MARK: F16 known patterns

    /// (value, nearest F16 bit pattern)
    static let float16Cases: [(Float, UInt16)] = [
        (1.0, 0x3C00),
        (-2.0, 0xC000),
        (0.0, 0x0000),
        (-0.0, 0x8000),
        (65504, 0x7BFF),                               // largest F16
        (65519.99, 0x7BFF),                            // just below the tie with 2^16
        (65520, 0x7C00),                               // tie 65504|65536: odd mantissa → rounds up to inf
        (1e6, 0x7C00),
        (-1e6, 0xFC00),
        (.infinity, 0x7C00),
        (-.infinity, 0xFC00),
        (0x1p-14, 0x0400),                             // smallest normal
        (0x1p-14 - 0x1p-24, 0x03FF),                   // largest subnormal
        (0x1p-24, 0x0001),                             // smallest subnormal
        (0x1p-25, 0x0000),                             // tie 0|2^-24 → even (0)
        (0x1.000002p-25, 0x0001),                      // just above the tie
        (0x3p-25, 0x0002),                             // tie 1|2 ulps → even (2)
        (0x5p-25, 0x0002),                             // tie 2|3 ulps → even (2)
        (1 + 0x1p-11, 0x3C00),                         // tie 0x3C00|0x3C01 → even
        (1 + 0x3p-11, 0x3C02),                         // tie 0x3C01|0x3C02 → even
        (1 + 0x1p-11 + 0x1p-20, 0x3C01),               // just above a tie
        (0.1, 0x2E66),
        (1.0 / 3.0, 0x3555),
    ]

    @Test(arguments: float16Cases)
    func float16KnownPatterns(value: Float, bits: UInt16) {
        #expect(Float16Conversion.float16Bits(value) == bits,
                "F16 bits of \(value): got 0x\(String(Float16Conversion.float16Bits(value), radix: 16))")
        #expect(Float16Conversion.referenceFloat16Bits(value) == bits)
    }

    @Test func float16KnownValuesUp() {
        #expect(Float16Conversion.float(float16Bits: 0x3C00) == 1)
        #expect(Float16Conversion.float(float16Bits: 0x7BFF) == 65504)
        #expect(Float16Conversion.float(float16Bits: 0x0001) == 0x1p-24)
        #expect(Float16Conversion.float(float16Bits: 0x03FF) == 0x1p-14 - 0x1p-24)
        #expect(Float16Conversion.float(float16Bits: 0x8000).bitPattern == (-0.0 as Float).bitPattern)
        #expect(Float16Conversion.float(float16Bits: 0x7C00) == .infinity)
        #expect(Float16Conversion.float(float16Bits: 0xFC00) == -.infinity)
        #expect(Float16Conversion.float(float16Bits: 0x7E00).isNaN)
        #expect(Float16Conversion.float(float16Bits: 0x7C01).isNaN)  // signalling NaN stays NaN
    }

    @Test func float16NaNStaysNaN() {
        for value in [Float.nan, -Float.nan, Float(bitPattern: 0x7F80_0001), Float(bitPattern: 0xFFC1_2345)] {
            let bits = Float16Conversion.float16Bits(value)
            #expect(bits & 0x7C00 == 0x7C00 && bits & 0x03FF != 0, "NaN \(value.bitPattern) → 0x\(String(bits, radix: 16))")
            #expect(bits & 0x8000 == UInt16(value.bitPattern >> 16) & 0x8000, "sign kept")
        }
        #expect(Float16Conversion.float16Bits(.nan) == 0x7E00)
    }

    // MARK: F16 against the reference

    /// All 65536 patterns convert up exactly as Swift's `Float16` does. NaNs must stay NaN
    /// with their sign and payload; Swift also sets the quiet bit of a signalling NaN, which
    /// this conversion (like PyTorch's) does not, so that one bit may differ.
    @Test func float16UpMatchesReferenceForEveryPattern() {
        let patterns = (0...UInt16.max).map { $0 }
        let fast = Float16Conversion.floats(float16: patterns)
        var mismatches: [UInt16] = []
        for (bits, value) in zip(patterns, fast) {
            let reference = Float16Conversion.referenceFloat(float16Bits: bits)
            let quietBit: UInt32 = 0x0040_0000
            let same = reference.isNaN
                ? value.isNaN && value.bitPattern | quietBit == reference.bitPattern
                : value.bitPattern == reference.bitPattern
            if !same { mismatches.append(bits) }
        }
        let count = mismatches.count
        #expect(count == 0, "first mismatches: \(mismatches.prefix(5).map { String($0, radix: 16) })")
    }

    /// Every F16 value, the midpoints between neighbours and their float neighbours, plus
    /// random bit patterns, round down exactly as Swift's `Float16` does.
    @Test func float16DownMatchesReference() {
        var inputs: [Float] = []
        for bits in UInt16(0)..<0x7C00 {
            let value = Float(Float16(bitPattern: bits))
            let next = Float(Float16(bitPattern: bits + 1))
            let midpoint = Float((Double(value) + Double(next)) / 2)  // exact in Float
            for x in [value, midpoint, midpoint.nextUp, midpoint.nextDown] {
                inputs.append(x)
                inputs.append(-x)
            }
        }
        var generator = SplitMix64(seed: 7)
        for _ in 0..<100_000 {
            inputs.append(Float(bitPattern: UInt32(truncatingIfNeeded: generator.next())))
        }
        let fast = Float16Conversion.float16Bits(inputs)
        var mismatches: [Float] = []
        for (value, bits) in zip(inputs, fast) {
            let reference = Float16Conversion.referenceFloat16Bits(value)
            let bothNaN = value.isNaN && Float16(bitPattern: bits).isNaN && Float16(bitPattern: reference).isNaN
                && bits & 0x8000 == reference & 0x8000
            if bits != reference && !bothNaN { mismatches.append(value) }
        }
        let count = mismatches.count
        #expect(count == 0, "first mismatches: \(mismatches.prefix(5).map { String($0.bitPattern, radix: 16) })")
    }

    // MARK: BF16

    /// (Float32 bit pattern, nearest BF16 bit pattern)
    static let bfloat16Cases: [(UInt32, UInt16)] = [
        (0x3F80_0000, 0x3F80),                        // 1.0
        (0xC000_0000, 0xC000),                        // -2.0
        (0x3F80_8000, 0x3F80),                        // tie, even below
        (0x3F81_8000, 0x3F82),                        // tie, even above
        (0x3F80_8001, 0x3F81),                        // just above a tie
        (0x3F80_7FFF, 0x3F80),                        // just below a tie
        (0x3EAA_AAAB, 0x3EAB),                        // 1/3 → 0.333984375
        (0x7F7F_FFFF, 0x7F80),                        // Float.greatestFiniteMagnitude → inf
        (0x7F7F_7FFF, 0x7F7F),                        // stays the largest BF16
        (0x7F80_0000, 0x7F80),                        // inf
        (0xFF80_0000, 0xFF80),                        // -inf
        (0x8000_0000, 0x8000),                        // -0
        (0x0001_0000, 0x0001),                        // a subnormal
        (0x0000_8000, 0x0000),                        // subnormal tie → even (0)
        (0x0001_8000, 0x0002),                        // subnormal tie → even (2)
        (0x7FC0_0000, 0x7FC0),                        // quiet NaN
        (0x7F80_0001, 0x7FC0),                        // signalling NaN: quieted, not rounded to inf
        (0xFF81_0000, 0xFFC1),                        // negative NaN with payload
    ]

    @Test(arguments: bfloat16Cases)
    func bfloat16KnownPatterns(input: UInt32, bits: UInt16) {
        let value = Float(bitPattern: input)
        #expect(Float16Conversion.bfloat16Bits(value) == bits,
                "BF16 bits of 0x\(String(input, radix: 16)): got 0x\(String(Float16Conversion.bfloat16Bits(value), radix: 16))")
        #expect(Float16Conversion.referenceBFloat16Bits(value) == bits)
    }

    @Test func bfloat16KnownValuesUp() {
        #expect(Float16Conversion.float(bfloat16Bits: 0x3F80) == 1)
        #expect(Float16Conversion.float(bfloat16Bits: 0x3EAB) == 0.333984375)
        #expect(Float16Conversion.float(bfloat16Bits: 0xFF80) == -.infinity)
        #expect(Float16Conversion.float(bfloat16Bits: 0x7FC0).isNaN)
        #expect(Float16Conversion.floats(bfloat16: [0x3F80, 0xC0A0]) == [1, -5])
    }

    @Test func bfloat16DownMatchesReference() {
        var inputs: [Float] = []
        var generator = SplitMix64(seed: 11)
        for _ in 0..<200_000 {
            let bits = UInt32(truncatingIfNeeded: generator.next())
            inputs.append(Float(bitPattern: bits))
            inputs.append(Float(bitPattern: (bits & 0xFFFF_0000) | 0x8000))  // exact ties
        }
        let fast = Float16Conversion.bfloat16Bits(inputs)
        let mismatches = zip(inputs, fast).filter { $1 != Float16Conversion.referenceBFloat16Bits($0) }
        let count = mismatches.count
        #expect(count == 0, "first mismatches: \(mismatches.prefix(5).map { String($0.0.bitPattern, radix: 16) })")
    }

    // MARK: Buffers

    /// Large buffers go through the parallel path; it must agree with the scalar functions.
    @Test func bulkConversionsMatchScalars() {
        let count = Float16Conversion.parallelThreshold * 2 + 123
        var generator = SplitMix64(seed: 3)
        let values = (0..<count).map { _ in Float(Int64(bitPattern: generator.next()) % 1_000_000) / 997 }
        let halves = Float16Conversion.float16Bits(values)
        let brains = Float16Conversion.bfloat16Bits(values)
        #expect(halves == values.map { Float16Conversion.float16Bits($0) })
        #expect(brains == values.map { Float16Conversion.bfloat16Bits($0) })
        #expect(Float16Conversion.floats(float16: halves) == halves.map { Float16Conversion.float(float16Bits: $0) })
        #expect(Float16Conversion.floats(bfloat16: brains) == brains.map { Float16Conversion.float(bfloat16Bits: $0) })
        #expect(Float16Conversion.floats(float16: []) == [])
    }
}
