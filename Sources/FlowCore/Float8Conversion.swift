/// Conversions between Float32 and the two 8-bit float formats of safetensors files
/// (`torch.float8_e4m3fn` and `torch.float8_e5m2`):
///
/// | format | bits (sign·exponent·mantissa) | bias | largest finite | infinity | NaN encodings |
/// |---|---|---|---|---|---|
/// | `F8_E4M3` (e4m3fn) | 1·4·3 | 7 | ±448 | none | `0x7F`, `0xFF` (S.1111.111) |
/// | `F8_E5M2` | 1·5·2 | 15 | ±57344 | `0x7C`, `0xFC` | `0x7D…0x7F`, `0xFD…0xFF` |
///
/// Exponent field 0 holds subnormals: e4m3fn m/8·2⁻⁶, e5m2 m/4·2⁻¹⁴. This is what PyTorch
/// (c10 `Float8_e4m3fn.h`, `Float8_e5m2.h`) defines; `t5xxl_fp8_e4m3fn.safetensors` stores e4m3fn.
///
/// Going up (8 → 32 bits) is exact and done through a 256-entry table built once by exact bit
/// arithmetic (`decodeE4M3FN`, `decodeE5M2`, which are also the tests' oracle). Going down
/// follows c10's `fp8e4m3fn_from_fp32_value` / `fp8e5m2_from_fp32_value` bit for bit: round to
/// nearest, ties to even; past the largest finite value e4m3fn saturates to ±448 (torch 2.15;
/// there is no infinity) and e5m2 becomes ±infinity; NaN stays NaN (`0x7F` / `0xFF`).
public enum Float8Conversion {

    // MARK: Scalars: decoding

    /// The Float32 value of an e4m3fn byte (exact).
    public static func decodeE4M3FN(_ byte: UInt8) -> Float {
        let sign: Float = byte & 0x80 == 0 ? 1 : -1
        let exponent = Int((byte >> 3) & 0x0F)
        let mantissa = Int(byte & 0x07)
        if exponent == 0x0F && mantissa == 0x07 { return .nan }
        if exponent == 0 { return sign * Float(mantissa) * 0x1p-9 }  // m/8 · 2⁻⁶
        return sign * Float(8 + mantissa) * Float(sign: .plus, exponent: exponent - 7 - 3, significand: 1)
    }

    /// The Float32 value of an e5m2 byte (exact; ±infinity for `0x7C`/`0xFC`).
    public static func decodeE5M2(_ byte: UInt8) -> Float {
        let sign: Float = byte & 0x80 == 0 ? 1 : -1
        let exponent = Int((byte >> 2) & 0x1F)
        let mantissa = Int(byte & 0x03)
        if exponent == 0x1F { return mantissa == 0 ? sign * .infinity : .nan }
        if exponent == 0 { return sign * Float(mantissa) * 0x1p-16 }  // m/4 · 2⁻¹⁴
        return sign * Float(4 + mantissa) * Float(sign: .plus, exponent: exponent - 15 - 2, significand: 1)
    }

    /// Every e4m3fn byte's Float32 value, indexed by the byte.
    public static let e4m3fnTable: [Float] = (0...255).map { decodeE4M3FN(UInt8($0)) }
    /// Every e5m2 byte's Float32 value, indexed by the byte.
    public static let e5m2Table: [Float] = (0...255).map { decodeE5M2(UInt8($0)) }

    // MARK: Scalars: encoding (c10's bit arithmetic)

    /// The e4m3fn byte for `value`, as `value.to(torch.float8_e4m3fn)` gives it.
    public static func e4m3fnBits(_ value: Float) -> UInt8 {
        var bits = value.bitPattern
        let sign = bits & 0x8000_0000
        bits ^= sign
        var result: UInt8
        if bits >= 1087 << 20 {  // |x| >= 480 (or inf / NaN)
            result = bits > 0x7F80_0000 ? 0x7F : 0x7E
        } else if bits < 121 << 23 {  // |x| < 2⁻⁶: subnormal; the FPU rounds (RNE) when adding 2^(141-127)
            let denormMask: UInt32 = 141 << 23
            let sum = Float(bitPattern: bits) + Float(bitPattern: denormMask)
            result = UInt8(truncatingIfNeeded: sum.bitPattern &- denormMask)
        } else {
            let mantissaOdd = (bits >> 20) & 1
            bits = bits &+ (UInt32(bitPattern: Int32(7 - 127)) << 23) &+ 0x7FFFF
            bits = bits &+ mantissaOdd
            result = UInt8(truncatingIfNeeded: bits >> 20)
            if result == 0x7F { result = 0x7E }  // rounding carried into the NaN pattern: saturate
        }
        return result | UInt8(truncatingIfNeeded: sign >> 24)
    }

    /// The e5m2 byte for `value`, as `value.to(torch.float8_e5m2)` gives it.
    public static func e5m2Bits(_ value: Float) -> UInt8 {
        var bits = value.bitPattern
        let sign = bits & 0x8000_0000
        bits ^= sign
        var result: UInt8
        if bits >= 143 << 23 {  // |x| >= 65536 (or inf / NaN)
            result = bits > 0x7F80_0000 ? 0x7F : 0x7C
        } else if bits < 113 << 23 {  // |x| < 2⁻¹⁴: subnormal
            let denormMask: UInt32 = 134 << 23
            let sum = Float(bitPattern: bits) + Float(bitPattern: denormMask)
            result = UInt8(truncatingIfNeeded: sum.bitPattern &- denormMask)
        } else {
            let mantissaOdd = (bits >> 21) & 1
            bits = bits &+ (UInt32(bitPattern: Int32(15 - 127)) << 23) &+ 0xFFFFF
            bits = bits &+ mantissaOdd
            result = UInt8(truncatingIfNeeded: bits >> 21)
        }
        return result | UInt8(truncatingIfNeeded: sign >> 24)
    }

    // MARK: Buffers

    /// Converts e4m3fn bytes to Float32 (`destination.count >= source.count`).
    public static func convert(e4m3fn source: UnsafeRawBufferPointer, into destination: UnsafeMutableBufferPointer<Float>) {
        convert(source, table: e4m3fnTable, into: destination)
    }

    /// Converts e5m2 bytes to Float32 (`destination.count >= source.count`).
    public static func convert(e5m2 source: UnsafeRawBufferPointer, into destination: UnsafeMutableBufferPointer<Float>) {
        convert(source, table: e5m2Table, into: destination)
    }

    private static func convert(_ source: UnsafeRawBufferPointer, table: [Float],
                                into destination: UnsafeMutableBufferPointer<Float>) {
        let count = source.count
        guard count > 0, let input = source.baseAddress, let output = destination.baseAddress else { return }
        table.withUnsafeBufferPointer { lookup in
            guard let values = lookup.baseAddress else { return }
            let bytes = input.assumingMemoryBound(to: UInt8.self)
            Parallel.forEachChunk(count, minChunk: 1 << 16) { range in
                for i in range { output[i] = values[Int(bytes[i])] }
            }
        }
    }
}
