extension Theme {
    /// Why a table header in `text` would crash TOMLKit's parser, or nil.
    ///
    /// toml++ 3 (inside TOMLKit 0.6.0) asserts (aborts the process) instead of reporting an
    /// error when a table header's name starts with a character no key can start with, e.g.
    /// `[=`, `[[#`, or `[` at the end of a line (found by fuzzing, issue 17). Such headers are
    /// refused here, before the text reaches it, as the syntax error they are. A byte-order mark
    /// at the start is skipped, as the parser skips it (`BOM[   \u{FFFD}` also aborted it).
    static func badTableHeader(in text: String) -> String? {
        let bytes = Array(text.utf8)
        var line = 1, i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while i < bytes.count {
            // At the start of a line: skip blanks, then look at a header's first name byte.
            var j = i
            while j < bytes.count, bytes[j] == UInt8(ascii: " ") || bytes[j] == UInt8(ascii: "\t") { j += 1 }
            if j < bytes.count, bytes[j] == UInt8(ascii: "[") {
                j += 1
                if j < bytes.count, bytes[j] == UInt8(ascii: "[") { j += 1 }
                while j < bytes.count, bytes[j] == UInt8(ascii: " ") || bytes[j] == UInt8(ascii: "\t") { j += 1 }
                let first: UInt8? = j < bytes.count ? bytes[j] : nil
                if let first, Self.canStartHeaderName(first) {
                    // fine
                } else {
                    let shown = first.map { (b: UInt8) -> String in b >= 0x21 && b < 0x7F ? "'\(Character(Unicode.Scalar(b)))'" : "byte \(b)" } ?? "the end of the file"
                    return "a table header's name cannot start with \(shown) at line \(line)"
                }
            }
            // On to the next line.
            while i < bytes.count, bytes[i] != UInt8(ascii: "\n") { i += 1 }
            i += 1
            line += 1
        }
        return nil
    }

    /// A bare key's characters (A–Z a–z 0–9 _ -), a quote, or `]` (the parser reports `[]`).
    private static func canStartHeaderName(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"),
             UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "]"):
            return true
        default:
            return false
        }
    }
}

extension Theme {
    /// Calls `visit(index, line)` for each byte of `bytes` outside strings and comments, in order,
    /// and returns the first problem it names, or nil.
    static func firstProblemOutsideStrings(_ bytes: [UInt8], _ visit: (Int, Int) -> String?) -> String? {
        var line = 1, i = 0
        var quote: UInt8?  // the open string's quote, if in one
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\n") { line += 1 }
            if let q = quote {
                if b == UInt8(ascii: "\\") && q == UInt8(ascii: "\"") { i += 2; continue }
                if b == q || b == UInt8(ascii: "\n") { quote = nil }
            } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                quote = b
            } else if b == UInt8(ascii: "#") {
                while i < bytes.count, bytes[i] != UInt8(ascii: "\n") { i += 1 }
                continue
            } else if let problem = visit(i, line) {
                return problem
            }
            i += 1
        }
        return nil
    }

    /// Why `text` holds a date or time value (outside strings and comments), or nil.
    ///
    /// No theme value is a date or a time, and toml++ 3 asserts (aborts) on some malformed ones,
    /// e.g. `fg = 1979-05-27Tx` (found by fuzzing, issue 17): a `:` or four digits followed by
    /// `-` outside a string or comment is refused before the text reaches the parser.
    static func dateOrTime(in text: String) -> String? {
        let bytes = Array(text.utf8)
        var digits = 0, previous = -1  // digits in a row just before, in code (a string or comment between resets)
        return firstProblemOutsideStrings(bytes) { i, line in
            if i != previous + 1 { digits = 0 }
            previous = i
            let b = bytes[i]
            if b == UInt8(ascii: ":") || (b == UInt8(ascii: "-") && digits == 4) {
                return "dates and times are not theme values (line \(line))"
            }
            digits = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) ? digits + 1 : 0
            return nil
        }
    }

    /// Why `text` holds an array or inline-table value (outside strings and comments), or nil.
    ///
    /// No theme value is an array or a table, and toml++ 3 asserts (aborts) on some malformed
    /// ones, e.g. `fg = [[[}` (found by the one-hour fuzz run, issue 17): a value starting with
    /// `[` or `{` is refused before the text reaches the parser.
    static func arrayOrInlineTable(in text: String) -> String? {
        let bytes = Array(text.utf8)
        return firstProblemOutsideStrings(bytes) { i, line in
            guard bytes[i] == UInt8(ascii: "=") else { return nil }
            var j = i + 1
            while j < bytes.count, bytes[j] == UInt8(ascii: " ") || bytes[j] == UInt8(ascii: "\t") { j += 1 }
            guard j < bytes.count, bytes[j] == UInt8(ascii: "[") || bytes[j] == UInt8(ascii: "{") else { return nil }
            return "arrays and inline tables are not theme values (line \(line))"
        }
    }
}
