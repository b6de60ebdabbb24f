/// The 64-bit FNV-1a hash: a fast, stable fingerprint of bytes (not cryptographic). Used for
/// model fingerprints and for seeding per-word vectors.
public enum FNV1a {
    static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x100_0000_01b3

    /// The hash of `bytes`.
    public static func hash(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var h = offsetBasis
        for byte in bytes { h = (h ^ UInt64(byte)) &* prime }
        return h
    }

    /// The hash of a buffer's bytes, without copying them.
    public static func hash(_ buffer: UnsafeRawBufferPointer) -> UInt64 {
        var h = offsetBasis
        for byte in buffer { h = (h ^ UInt64(byte)) &* prime }
        return h
    }
}
