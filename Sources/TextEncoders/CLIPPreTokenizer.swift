import Foundation

/// The text side of CLIP's tokenizer, as transformers 5 sets it up on the `tokenizers` library
/// (`models/clip/tokenization_clip.py`):
///
/// 1. special tokens written in the prompt (`<|startoftext|>`, `<|endoftext|>` and the pad token,
///    exact case) are taken out before anything else and become their ids;
/// 2. the rest is normalized: NFC, runs of white space (`\s`, Unicode's White_Space) to one
///    space, then lower-cased one code point at a time (full mappings, no context: `İ` → `i̇`,
///    every `Σ` → `σ`); there is no ftfy and no HTML unescaping in transformers 5;
/// 3. split with the pattern
///    `<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`,
///    keeping the matches and dropping the white space between them (a run of letters, a single
///    digit, a run of anything else);
/// 4. `ByteLevel` (`add_prefix_space=False`) splits again with GPT-2's pattern, which only cuts
///    the special-token literals (`<|`, letters, `|>`), then writes each piece's UTF-8 bytes with
///    the byte-level alphabet.
///
/// No piece crosses white space, so a prompt tokenizes word by word (words split on white space),
/// which is how the tokenizer reports the words that do not fit.
public enum CLIPPreTokenizer {
    /// The special tokens the tokenizer recognizes in raw text.
    public static let startOfText = "<|startoftext|>"
    public static let endOfText = "<|endoftext|>"

    /// One unit of a word: a special token written in the text, or a piece of normalized text.
    public enum Piece: Equatable, Sendable {
        case special(String)
        case text(String)
    }

    /// The prompt split on white space (Unicode's White_Space, what `\s` matches), as written.
    public static func words(of text: String) -> [Substring] {
        text.unicodeScalars.split(whereSeparator: { $0.properties.isWhitespace }).map { Substring($0) }
    }

    /// The pieces of one word (no white space inside), in order. `specials` are the tokens taken
    /// out of the raw text first (start, end and the pad token: transformers adds all three as
    /// special tokens, so with `!` as pad token every `!` in a prompt is the pad id); where several
    /// match, the leftmost, then the longest, wins.
    public static func pieces(ofWord word: Substring, specials: [String] = [startOfText, endOfText]) -> [Piece] {
        let scalars = Array(word.unicodeScalars)
        let literals = specials.map { ($0, Array($0.unicodeScalars)) }.filter { !$0.1.isEmpty }
        var pieces: [Piece] = []
        var textStart = 0, i = 0
        func flushText(upTo end: Int) {
            guard textStart < end else { return }
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[textStart..<end])
            split(normalize(String(view)), into: &pieces)
        }
        while i < scalars.count {
            let match = literals.contains { $0.1[0] == scalars[i] }
                ? literals.filter { scalars[i...].starts(with: $0.1) }.max { $0.1.count < $1.1.count } : nil
            if let (special, literal) = match {
                flushText(upTo: i)
                pieces.append(.special(special))
                i += literal.count
                textStart = i
            } else {
                i += 1
            }
        }
        flushText(upTo: scalars.count)
        return pieces
    }

    /// NFC, then lower case code point by code point (`tokenizers`' `Lowercase` uses Rust's
    /// `char::to_lowercase`: full mappings without the final-sigma context).
    public static func normalize(_ text: String) -> String {
        guard !text.isEmpty else { return "" }
        let composed = text.utf8.allSatisfy { $0 < 0x80 } ? text : nfc(text)
        var lower = String.UnicodeScalarView()
        for scalar in composed.unicodeScalars {
            lower.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
        }
        return String(lower)
    }

    /// Unicode NFC as `tokenizers` computes it. Two things differ from a plain call to Foundation:
    ///
    /// - `tokenizers` 0.23 normalizes as with Unicode 9.0 tables: a character assigned later is,
    ///   for it, a starter that neither decomposes nor composes (measured: all 98 combining marks
    ///   of Unicode 10–14 that Python knows are left in place, and they block composition).
    ///   Such characters cut the text, and the parts between them are normalized on their own.
    /// - Foundation's `precomposedStringWithCanonicalMapping` on Linux (and the standard
    ///   library's own NFC) get a few strings wrong: a Hangul LV syllable followed by a trailing
    ///   consonant (`가` + `ᆨ` stays two code points instead of `각`), and marks that a
    ///   decomposition puts out of canonical order (`◌̧` + `ཱི` keeps U+0327 first). Decomposing,
    ///   ordering the marks here, then composing agreed with Python's `unicodedata` on 26 000
    ///   random strings rich in marks, Hangul and decomposable characters.
    static func nfc(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        var part = String.UnicodeScalarView()
        func flushPart() {
            guard !part.isEmpty else { return }
            let ordered = canonicallyOrdered(String(part).decomposedStringWithCanonicalMapping)
            result.append(contentsOf: ordered.precomposedStringWithCanonicalMapping.unicodeScalars)
            part.removeAll()
        }
        for scalar in text.unicodeScalars {
            if let age = scalar.properties.age, age.major < 10 {
                part.append(scalar)
            } else {
                flushPart()
                result.append(scalar)
            }
        }
        flushPart()
        return String(result)
    }

    /// Each run of combining marks stably sorted by canonical combining class (the canonical
    /// ordering algorithm of Unicode's chapter 3).
    static func canonicallyOrdered(_ text: String) -> String {
        var ordered = String.UnicodeScalarView()
        var marks: [Unicode.Scalar] = []
        func flushMarks() {
            // Swift's sort is not stable: sort by (class, position).
            ordered.append(contentsOf: marks.enumerated().sorted {
                let (a, b) = ($0.element.properties.canonicalCombiningClass, $1.element.properties.canonicalCombiningClass)
                return a != b ? a < b : $0.offset < $1.offset
            }.map(\.element))
            marks.removeAll(keepingCapacity: true)
        }
        for scalar in text.unicodeScalars {
            if scalar.properties.canonicalCombiningClass == .notReordered {
                flushMarks()
                ordered.append(scalar)
            } else {
                marks.append(scalar)
            }
        }
        flushMarks()
        return String(ordered)
    }

    private enum Kind { case space, letter, number, other }

    private static func kind(_ scalar: Unicode.Scalar) -> Kind {
        if scalar.properties.isWhitespace { return .space }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }

    /// The split pattern's matches in normalized text, tried in the pattern's order at each place.
    static func split(_ text: String, into pieces: inout [Piece]) {
        let scalars = Array(text.unicodeScalars)
        let specials = [startOfText, endOfText].map { Array($0.unicodeScalars) }
        let contractions = ["s", "t", "re", "ve", "m", "ll", "d"].map { Array($0.unicodeScalars) }
        func matches(_ literal: [Unicode.Scalar], at i: Int) -> Bool {
            i + literal.count <= scalars.count && Array(scalars[i..<(i + literal.count)]) == literal
        }
        var i = 0
        while i < scalars.count {
            let start = i
            if kind(scalars[i]) == .space { i += 1; continue }
            if let special = specials.first(where: { matches($0, at: i) }) {
                // A lower-cased `<|ENDOFTEXT|>` matches here, but ByteLevel's own GPT-2 split then
                // cuts it into `<|`, the letters and `|>`: plain pieces, not the special id.
                for part in [special[..<2], special[2..<(special.count - 2)], special[(special.count - 2)...]] {
                    var view = String.UnicodeScalarView()
                    view.append(contentsOf: part)
                    pieces.append(.text(String(view)))
                }
                i += special.count
                continue
            } else if scalars[i] == "'", let ending = contractions.first(where: { matches($0, at: i + 1) }) {
                i += 1 + ending.count
            } else {
                switch kind(scalars[i]) {
                case .letter: while i < scalars.count, kind(scalars[i]) == .letter { i += 1 }
                case .number: i += 1
                default: while i < scalars.count, kind(scalars[i]) == .other { i += 1 }
                }
            }
            var piece = String.UnicodeScalarView()
            piece.append(contentsOf: scalars[start..<i])
            pieces.append(.text(String(piece)))
        }
    }

    /// The byte-level alphabet (GPT-2's `bytes_to_unicode`): byte b is written as this character.
    /// Printable Latin-1 bytes stand for themselves; the others take code points from 256 on.
    public static let byteAlphabet: [Character] = {
        let printable = Array(33...126) + Array(161...172) + Array(174...255)
        var table = [Character](repeating: " ", count: 256)
        var extra = 0
        for byte in 0..<256 {
            if printable.contains(byte) {
                table[byte] = Character(Unicode.Scalar(UInt8(byte)))
            } else {
                table[byte] = Character(Unicode.Scalar(UInt32(256 + extra))!)
                extra += 1
            }
        }
        return table
    }()

    /// The byte-level alphabet in vocabulary order (the first 256 entries of CLIP's vocabulary).
    public static let byteAlphabetInVocabularyOrder: [Character] = {
        let printable = Array(33...126) + Array(161...172) + Array(174...255)
        let others = (0..<256).filter { !printable.contains($0) }
        return (printable + others).map { byteAlphabet[$0] }
    }()
}
