/// The 32-bit Mersenne Twister as PyTorch's CPU generator runs it (`ATen/core/MT19937RNGEngine.h`,
/// `CPUGeneratorImpl`): seeded by `init_genrand` with the low 32 bits of the seed, so
/// `torch.manual_seed(s)` and `torch.manual_seed(s & 0xffffffff)` draw the same numbers.
///
/// Its outputs equal NumPy's legacy `np.random.RandomState(s & 0xffffffff)` raw words (checked by
/// `Tests/Reference/make_noise_fixtures.py`); Python's `random.seed(s)` seeds differently
/// (`init_by_array`) and does not match.
public struct MT19937 {
    private static let n = 624
    private static let m = 397

    private var state: [UInt32]
    private var index: Int

    /// Seeds as `torch.manual_seed(seed)` does: only the low 32 bits are used.
    public init(seed: UInt64) {
        var state = [UInt32](repeating: 0, count: Self.n)
        state[0] = UInt32(truncatingIfNeeded: seed)
        for j in 1..<Self.n {
            let previous = state[j - 1]
            state[j] = 1_812_433_253 &* (previous ^ (previous >> 30)) &+ UInt32(j)
        }
        self.state = state
        self.index = Self.n  // the first draw regenerates the state
    }

    /// The next 32-bit output (`CPUGeneratorImpl::random()`).
    public mutating func next() -> UInt32 {
        if index == Self.n { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c_5680
        y ^= (y << 15) & 0xefc6_0000
        y ^= y >> 18
        return y
    }

    /// Two outputs as one 64-bit word, the first in the high half (`CPUGeneratorImpl::random64()`).
    public mutating func next64() -> UInt64 {
        let high = UInt64(next())
        let low = UInt64(next())
        return high << 32 | low
    }

    private mutating func twist() {
        for j in 0..<Self.n {
            let mixed = (state[j] & 0x8000_0000) | (state[(j + 1) % Self.n] & 0x7fff_ffff)
            state[j] = state[(j + Self.m) % Self.n] ^ (mixed >> 1) ^ (mixed & 1 == 0 ? 0 : 0x9908_b0df)
        }
        index = 0
    }
}
