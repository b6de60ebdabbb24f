/// Random seeds from SplitMix64 (for Ctrl-R and the random seed mode); seeded for tests.
public struct SeedSource: Sendable, Equatable {
    public private(set) var state: UInt64
    public init(seed: UInt64) { state = seed }

    /// A new seed below 2³² (so it survives tools that store seeds as 32-bit, like A1111).
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return (z ^ (z >> 31)) & 0xFFFF_FFFF
    }
}
