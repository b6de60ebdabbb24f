// A small, self-contained, seeded random number generator for the Shapes world, so that scenes
// reproduce bit for bit on every platform (the platform's SystemRandomNumberGenerator does not
// take a seed, and Foundation's generators differ between Linux and macOS).

/// SplitMix64 (Steele, Lea and Flood 2014, "Fast splittable pseudorandom number generators";
/// the constants are those of Java's `SplittableRandom` and of Vigna's reference C code,
/// https://prng.di.unimi.it/splitmix64.c).
///
/// Each call adds the odd "golden gamma" 0x9E3779B97F4A7C15 to a 64-bit state and returns a
/// bijective mix of it, so every state has a full period of 2^64. It is not cryptographic.
/// Reference values: with state 0 the first outputs are 0xE220A8397B1DCDAF,
/// 0x6E789E6AA1B965F4, 0x06C45D188009454F (checked in the tests).
public struct ShapesRNG: RandomNumberGenerator, Sendable {
    /// The current 64-bit state.
    public private(set) var state: UInt64

    /// A generator starting from `seed` (any value, including 0, is fine).
    public init(seed: UInt64) {
        state = seed
    }

    /// A generator for item `index` of a stream seeded by `seed`: the pair is mixed so that
    /// neighbouring indices give unrelated streams. Lets a data set be read in any order.
    public init(seed: UInt64, index: UInt64) {
        var mixer = ShapesRNG(seed: seed ^ 0x5DEE_CE66_D1CE_4E5B)
        let a = mixer.next()
        state = ShapesRNG.mix(a &+ index &* 0xD1B5_4A32_D192_ED03)
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return ShapesRNG.mix(state)
    }

    /// SplitMix64's output function (a variant of MurmurHash3's finaliser).
    @inlinable static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform Double in [0, 1) built from the top 53 bits (exact and platform independent).
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform Double in [lower, upper).
    public mutating func uniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * unit()
    }

    /// A uniform integer in 0..<bound, without modulo bias (rejection sampling).
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "ShapesRNG.below needs a positive bound, got \(bound)")
        let n = UInt64(bound)
        let limit = UInt64.max - UInt64.max % n // largest multiple of n, exclusive
        while true {
            let x = next()
            if x < limit { return Int(x % n) }
        }
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool {
        unit() < p
    }

    /// A uniformly chosen element of a non-empty array.
    public mutating func pick<T>(_ items: [T]) -> T {
        precondition(!items.isEmpty, "ShapesRNG.pick needs a non-empty array")
        return items[below(items.count)]
    }

    /// The array in a uniformly random order (Fisher–Yates, using `below`).
    public mutating func shuffled<T>(_ items: [T]) -> [T] {
        var result = items
        if result.count < 2 { return result }
        for i in stride(from: result.count - 1, to: 0, by: -1) {
            result.swapAt(i, below(i + 1))
        }
        return result
    }
}
