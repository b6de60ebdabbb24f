import Foundation

/// A source of random numbers: 32-bit words, and uniforms and normals made from them.
///
/// FlowStudio's implementation is `PhiloxRandom` (counter-based, so reproducible across machines
/// and thread counts). Code that needs randomness takes `inout some RandomSource`, so tests can
/// substitute a scripted source.
public protocol RandomSource {
    /// The next uniformly distributed 32-bit word.
    mutating func nextUInt32() -> UInt32

    /// The next uniform in the open interval (0, 1): never 0 and never 1, so `log(u)`,
    /// `log(1 - u)` and `tan(πu/2)` are finite. Made from one word by
    /// `RandomConversion.uniform`.
    mutating func nextUniform() -> Float

    /// The next standard normal N(0, 1) draw. Made by the Box–Muller transform of two words
    /// (`RandomConversion.boxMuller`).
    mutating func nextNormal() -> Float
}

/// The exact maps from random words to uniforms and normals, written down so that any
/// implementation (or a Python check) can reproduce them bit for bit.
public enum RandomConversion {
    /// A uniform in (0, 1) from one word: `((w >> 9) + 0.5) / 2^23`.
    ///
    /// The result is `(2k + 1) / 2^24` for the top 23 bits `k` of `w`: every value is exactly
    /// representable in Float32 (an odd 24-bit integer times a power of two), the smallest is
    /// 2^-24 and the largest is 1 − 2^-24, and the set is symmetric under `u ↦ 1 − u`.
    @inlinable
    public static func uniform(_ w: UInt32) -> Float {
        Float(w >> 9) * 0x1p-23 + 0x1p-24
    }

    /// Two independent standard normals from two words by the Box–Muller transform, in Double:
    ///
    ///     u1 = (a + 0.5) / 2^32,  u2 = (b + 0.5) / 2^32      (exact in Double, in (0, 1))
    ///     r  = sqrt(−2 ln u1),    θ  = 2π · u2
    ///     z0 = Float(r cos θ),    z1 = Float(r sin θ)         (round to nearest)
    ///
    /// Each Philox block `(a, b, c, d)` therefore gives four normals: `boxMuller(a, b)` then
    /// `boxMuller(c, d)`. |z| is at most sqrt(−2 ln 2^-33) ≈ 6.76. The Double math makes the
    /// Float32 results identical wherever libm's `log`, `cos` and `sin` are faithful to within
    /// the final rounding (glibc and Darwin both are, except at astronomically rare ties).
    @inlinable
    public static func boxMuller(_ a: UInt32, _ b: UInt32) -> (Float, Float) {
        let u1 = (Double(a) + 0.5) * 0x1p-32
        let u2 = (Double(b) + 0.5) * 0x1p-32
        let r = (-2 * Foundation.log(u1)).squareRoot()
        let theta = 2 * Double.pi * u2
        return (Float(r * Foundation.cos(theta)), Float(r * Foundation.sin(theta)))
    }
}
