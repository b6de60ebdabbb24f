/// SentencePiece's precompiled normalisation map (`NormalizerSpec.precompiled_charsmap`; T5 uses
/// `nmt_nfkc`), applied the way `tokenizers`' `Precompiled` normalizer applies it.
///
/// The blob is `[UInt32 LE trie size in bytes][trie: UInt32 units][normalised strings, each
/// NUL-terminated]`. The trie is a darts-clone double array over UTF-8 bytes whose leaf values are
/// offsets into the strings. `tokenizers` walks the text by extended grapheme cluster: a cluster of
/// fewer than 6 UTF-8 bytes is replaced whole by the *shortest* trie entry that is a prefix of it
/// (its own quirk, kept here because it decides real ids), otherwise each scalar is looked up alone;
/// text without an entry is kept.
struct PrecompiledCharsMap: Sendable {
    private let units: [UInt32]
    private let normalized: [UInt8]

    struct Invalid: Error { let reason: String }

    init(_ blob: [UInt8]) throws {
        guard blob.count >= 4 else { throw Invalid(reason: "precompiled_charsmap is \(blob.count) bytes, shorter than its header") }
        let trieBytes = Int(blob[0]) | Int(blob[1]) << 8 | Int(blob[2]) << 16 | Int(blob[3]) << 24
        guard trieBytes % 4 == 0, trieBytes <= blob.count - 4, trieBytes >= 4 else {
            throw Invalid(reason: "precompiled_charsmap's trie size \(trieBytes) does not fit its \(blob.count) bytes")
        }
        var units = [UInt32](repeating: 0, count: trieBytes / 4)
        for i in 0..<units.count {
            let o = 4 + 4 * i
            units[i] = UInt32(blob[o]) | UInt32(blob[o + 1]) << 8 | UInt32(blob[o + 2]) << 16 | UInt32(blob[o + 3]) << 24
        }
        let normalized = Array(blob[(4 + trieBytes)...])
        guard String(validating: normalized, as: UTF8.self) != nil else {
            throw Invalid(reason: "precompiled_charsmap's normalised strings are not UTF-8")
        }
        self.units = units
        self.normalized = normalized
    }

    // darts-clone unit layout.
    private static func offset(_ unit: UInt32) -> Int { Int((unit >> 10) << ((unit & (1 << 9)) >> 6)) }
    private static func label(_ unit: UInt32) -> UInt32 { unit & ((1 << 31) | 0xFF) }
    private static func hasLeaf(_ unit: UInt32) -> Bool { (unit >> 8) & 1 == 1 }
    private static func value(_ unit: UInt32) -> Int { Int(unit & ((1 << 31) - 1)) }

    /// The replacement of the shortest entry that is a prefix of `key`, or `nil`.
    func transform<C: Collection>(_ key: C) -> ArraySlice<UInt8>? where C.Element == UInt8 {
        var node = Self.offset(units[0])
        for byte in key {
            guard byte != 0 else { return nil }
            node ^= Int(byte)
            guard node >= 0, node < units.count else { return nil }
            let unit = units[node]
            guard Self.label(unit) == UInt32(byte) else { return nil }
            node ^= Self.offset(unit)
            guard node >= 0, node < units.count else { return nil }
            if Self.hasLeaf(unit) {
                let start = Self.value(units[node])
                guard start <= normalized.count else { return nil }
                let end = normalized[start...].firstIndex(of: 0) ?? normalized.count
                return normalized[start..<end]
            }
        }
        return nil
    }

    /// `text` normalised, and whether its first character still comes from the text's first
    /// character (`false` when leading characters were deleted: `tokenizers`' offsets then no
    /// longer start at 0, which decides `Metaspace`'s `prepend_scheme: first`).
    func normalize(_ text: String) -> (text: String, keepsStart: Bool) {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var keepsStart = true, atFirstScalar = true
        for grapheme in text {
            let utf8 = grapheme.utf8
            if utf8.count < 6, let replacement = transform(utf8) {
                if out.isEmpty && !replacement.isEmpty { keepsStart = atFirstScalar }
                out += replacement
                atFirstScalar = false
                continue
            }
            for scalar in grapheme.unicodeScalars {
                let bytes = Array(String(scalar).utf8)
                let replacement = transform(bytes).map(Array.init) ?? bytes
                if out.isEmpty && !replacement.isEmpty { keepsStart = atFirstScalar }
                out += replacement
                atFirstScalar = false
            }
        }
        return (String(decoding: out, as: UTF8.self), keepsStart)
    }
}
