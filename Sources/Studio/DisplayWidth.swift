/// How many terminal columns a character takes: 2 for East Asian wide and full-width
/// characters and most emoji, 0 for combining marks and zero-width characters, 1 otherwise
/// (the same classes as `wcwidth`, without depending on the C locale).
public enum DisplayWidth {
    /// Columns of one grapheme cluster (the width of its first scalar; an emoji presentation
    /// selector U+FE0F makes it 2).
    public static func of(_ character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if scalars.contains("\u{FE0F}") { return 2 }
        return of(first)
    }

    /// Columns of a string.
    public static func of(_ text: String) -> Int {
        text.reduce(0) { $0 + of($1) }
    }

    /// Columns of one scalar.
    public static func of(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v == 0 || v == 0x200B || v == 0x200C || v == 0x200D || v == 0x2060 || v == 0xFEFF { return 0 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if isWide(v) { return 2 }
        return 1
    }

    static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0, 0x23F3,
             0x25FD...0x25FE, 0x2614...0x2615, 0x2648...0x2653, 0x267F, 0x2693, 0x26A1, 0x26AA...0x26AB,
             0x26BD...0x26BE, 0x26C4...0x26C5, 0x26CE, 0x26D4, 0x26EA, 0x26F2...0x26F3, 0x26F5, 0x26FA,
             0x26FD, 0x2705, 0x270A...0x270B, 0x2728, 0x274C, 0x274E, 0x2753...0x2755, 0x2757,
             0x2795...0x2797, 0x27B0, 0x27BF, 0x2B1B...0x2B1C, 0x2B50, 0x2B55,
             0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F,
             0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x18AFF, 0x1B000...0x1B2FF,
             0x1F004, 0x1F0CF, 0x1F18E, 0x1F191...0x1F19A, 0x1F200...0x1F251, 0x1F300...0x1F64F,
             0x1F680...0x1F6FF, 0x1F7E0...0x1F7EB, 0x1F90C...0x1F9FF, 0x1FA70...0x1FAFF,
             0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// The longest prefix of `text` that fits in `columns`, with "…" when cut (when there is
    /// room for it).
    public static func truncate(_ text: String, to columns: Int) -> String {
        guard columns > 0 else { return "" }
        if of(text) <= columns { return text }
        var out = "", used = 0
        for c in text {
            let w = of(c)
            if used + w > columns - 1 { break }
            out.append(c)
            used += w
        }
        return out + "…"
    }

    /// The longest prefix of `text` at most `columns` wide, and whether `text` went on beyond it.
    /// It looks at no more than `4 × columns + 64` Unicode scalars (wide characters, combining
    /// marks) whatever the length of `text`, so that drawing a message costs what the screen
    /// shows, not what the message holds (a theme file's 1 MB value quoted in a warning).
    public static func head(_ text: String, columns: Int) -> (text: String, cut: Bool) {
        let limit = 4 * max(0, columns) + 64
        var scalars = String.UnicodeScalarView()
        var scalarsCut = false
        for scalar in text.unicodeScalars {
            if scalars.count == limit { scalarsCut = true; break }
            scalars.append(scalar)
        }
        var out = "", used = 0
        for c in String(scalars) {
            let w = of(c)
            if used + w > columns { return (out, true) }
            out.append(c)
            used += w
        }
        return (out, scalarsCut)
    }
}
