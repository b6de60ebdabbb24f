/// Reads the TOML subset of `ThemeTOML` (see there) from a text's UTF-8 bytes.
///
/// One pass from the first byte to the last, no recursion and no look-back beyond the current
/// line, so time and memory are linear in the text. Every problem, malformed input and valid
/// TOML that themes do not use alike, is a `ThemeTOML.SyntaxError` that says what is wrong and
/// where (line, column), never a trap.
struct ThemeTOMLParser {
    typealias Entry = ThemeTOML.Entry
    typealias SyntaxError = ThemeTOML.SyntaxError

    private let bytes: [UInt8]
    /// The next byte to read.
    private var i: Int
    /// The line `i` is on (1-based) and the index of that line's first byte.
    private var line = 1
    private var lineStart: Int

    init(_ text: String) {
        bytes = Array(text.utf8)
        i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0  // a byte-order mark is not content
        lineStart = i
    }

    /// The whole text: the top-level entries, then the tables (see `ThemeTOML.entries`).
    mutating func document() throws(SyntaxError) -> [Entry] {
        var root: [Entry] = []
        var tables: [Entry] = []  // the headers; each one's entries are in `tableEntries`
        var tableEntries: [[Entry]] = []
        var rootLines: [String: Int] = [:]  // each top-level key's line, for duplicates
        var tableLines: [String: Int] = [:]  // each table's header line
        var keyLines: [String: Int] = [:]  // the current table's keys' lines
        while true {
            skipBlanks()
            guard let b = peek else { break }
            switch b {
            case UInt8(ascii: "#"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                try endOfLine(after: "a comment")
            case UInt8(ascii: "["):
                let (at, headerColumn) = (i, column(of: i))
                let name = try tableHeader()
                if let first = tableLines[name] {
                    throw error("the table [\(ThemeError.quoted(name))] is defined twice (first at line \(first))", at: at)
                }
                if let first = rootLines[name] {
                    throw error("the table [\(ThemeError.quoted(name))] has the name of the key at line \(first)", at: at)
                }
                tableLines[name] = line
                tables.append(Entry(key: name, value: .table([]), line: line, column: headerColumn))
                tableEntries.append([])
                keyLines = [:]
                try endOfLine(after: "the table header")
            default:
                let at = i
                let entry = try keyValue()
                if tables.isEmpty {
                    if let first = rootLines[entry.key] { throw duplicate(entry.key, first: first, at: at) }
                    rootLines[entry.key] = entry.line
                    root.append(entry)
                } else {
                    if let first = keyLines[entry.key] { throw duplicate(entry.key, first: first, at: at) }
                    keyLines[entry.key] = entry.line
                    tableEntries[tableEntries.count - 1].append(entry)
                }
                try endOfLine(after: "the value")
            }
        }
        for (t, entries) in tableEntries.enumerated() { tables[t].value = .table(entries) }
        return root + tables
    }

    // MARK: - Lines

    /// `[name]` (the caller reads the rest of the line); returns the name.
    private mutating func tableHeader() throws(SyntaxError) -> String {
        let open = i
        i += 1  // "["
        if peek == UInt8(ascii: "[") { throw error("arrays of tables ([[name]]) are not used in themes", at: open) }
        skipBlanks()
        if peek == UInt8(ascii: "]") { throw error("a table header needs a name between [ and ]") }
        let name = try key(expected: "a table name")
        skipBlanks()
        if peek == UInt8(ascii: ".") { throw error("nested tables ([a.b]) are not used in themes") }
        guard peek == UInt8(ascii: "]") else { throw error("expected ']' to close the table header, found \(found())") }
        i += 1
        return name
    }

    /// `key = value` (the caller reads the rest of the line).
    private mutating func keyValue() throws(SyntaxError) -> Entry {
        let (keyLine, keyColumn) = (line, column(of: i))
        let key = try self.key(expected: "a key, a [table] or a comment")
        skipBlanks()
        if peek == UInt8(ascii: ".") { throw error("dotted keys (a.b = …) are not used in themes") }
        guard peek == UInt8(ascii: "=") else {
            throw error("expected '=' after the key \(Self.shown(key)), found \(found())")
        }
        i += 1
        skipBlanks()
        let value = try self.value()
        return Entry(key: key, value: value, line: keyLine, column: keyColumn)
    }

    /// Blanks, an optional comment, then a line end (LF or CRLF) or the end of the text.
    private mutating func endOfLine(after what: String) throws(SyntaxError) {
        skipBlanks()
        if peek == UInt8(ascii: "#") {
            i += 1
            while let c = peek, c != UInt8(ascii: "\n"), c != UInt8(ascii: "\r") {
                if Self.isControl(c) { throw error("a comment cannot hold \(found())") }
                i += 1
            }
        }
        guard let b = peek else { return }
        if b == UInt8(ascii: "\n") {
            nextLine(after: i + 1)
        } else if b == UInt8(ascii: "\r") {
            guard i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\n") else {
                throw error("a carriage return must be followed by a line feed (a line ends in LF or CRLF)")
            }
            nextLine(after: i + 2)
        } else {
            throw error("expected the end of the line after \(what), found \(found())")
        }
    }

    private mutating func nextLine(after index: Int) {
        i = index
        line += 1
        lineStart = index
    }

    private mutating func skipBlanks() {
        while let b = peek, b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") { i += 1 }
    }

    // MARK: - Keys and values

    /// A bare or quoted key.
    private mutating func key(expected: String) throws(SyntaxError) -> String {
        guard let b = peek else { throw error("expected \(expected), found the end of the file") }
        if Self.isBareKey(b) {
            let start = i
            while let c = peek, Self.isBareKey(c) { i += 1 }
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }
        if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
            if startsTripleQuote() { throw error("a key cannot be a multi-line string") }
            if b == UInt8(ascii: "'") { return try literalString() }
            return try basicString()
        }
        throw error("expected \(expected), found \(found())")
    }

    /// The value after `=`.
    private mutating func value() throws(SyntaxError) -> ThemeTOML.Value {
        guard let b = peek else { throw error("expected a value after '=', found the end of the file") }
        switch b {
        case UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "#"):
            throw error("expected a value after '=', found \(b == UInt8(ascii: "#") ? "a comment" : found())")
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            if startsTripleQuote() { throw error("multi-line strings are not used in themes") }
            if b == UInt8(ascii: "'") { return .string(try literalString()) }
            return .string(try basicString())
        case UInt8(ascii: "["):
            throw error("arrays are not used in themes")
        case UInt8(ascii: "{"):
            throw error("inline tables are not used in themes")
        default:
            return try bareValue()
        }
    }

    /// `true`, `false` or a decimal integer; other bare values (floats, dates, …) are refused by name.
    private mutating func bareValue() throws(SyntaxError) -> ThemeTOML.Value {
        let start = i
        while let c = peek, !Self.endsBareValue(c) { i += 1 }
        let token = bytes[start..<i]
        let text = String(decoding: token, as: UTF8.self)
        if text == "true" { return .boolean(true) }
        if text == "false" { return .boolean(false) }
        let signed = token.first == UInt8(ascii: "+") || token.first == UInt8(ascii: "-")
        let unsigned = signed ? token.dropFirst() : token[...]
        let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
        if unsigned.elementsEqual("inf".utf8) || unsigned.elementsEqual("nan".utf8) {
            throw error("floats (\(text)) are not used in themes", at: start)
        }
        if token.contains(UInt8(ascii: ":"))
            || (token.count > 4 && token.prefix(4).allSatisfy({ digits.contains($0) }) && token.dropFirst(4).first == UInt8(ascii: "-")) {
            throw error("dates and times are not used in themes", at: start)
        }
        guard let first = unsigned.first, digits.contains(first) else {
            throw error("expected a value (a quoted string, true, false or a decimal integer), found \(Self.shown(text))", at: start)
        }
        let prefix = unsigned.prefix(2)
        if prefix.elementsEqual("0x".utf8) || prefix.elementsEqual("0o".utf8) || prefix.elementsEqual("0b".utf8) {
            throw error("hexadecimal, octal and binary integers are not used in themes (write \(Self.shown(text)) in decimal)", at: start)
        }
        let floatBytes = Set("0123456789_.eE+-".utf8)
        if token.allSatisfy({ floatBytes.contains($0) }), token.contains(where: { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") }) {
            throw error("floats (\(Self.shown(text))) are not used in themes", at: start)
        }
        return .integer(try integer(unsigned, negative: token.first == UInt8(ascii: "-"), text: text, at: start))
    }

    /// A decimal integer's digits (TOML: `_` only between digits, no leading zero) in Int64's range.
    private func integer(_ digits: ArraySlice<UInt8>, negative: Bool, text: String, at start: Int) throws(SyntaxError) -> Int64 {
        var magnitude: UInt64 = 0
        var count = 0, previousWasDigit = false, overflow = false
        for b in digits {
            if b == UInt8(ascii: "_") {
                guard previousWasDigit else { break }
                previousWasDigit = false
                continue
            }
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) else { previousWasDigit = false; break }
            if count == 1 && magnitude == 0 {
                throw error("an integer cannot start with 0 (\(Self.shown(text)))", at: start)
            }
            let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(b - UInt8(ascii: "0")))
            overflow = overflow || o1 || o2
            magnitude = sum
            count += 1
            previousWasDigit = true
        }
        let wellFormed = previousWasDigit && digits.allSatisfy { $0 == UInt8(ascii: "_") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        guard wellFormed else {
            throw error("\(Self.shown(text)) is not a decimal integer (digits with an optional sign, _ only between digits)", at: start)
        }
        let limit = negative ? UInt64(Int64.max) + 1 : UInt64(Int64.max)
        guard !overflow, magnitude <= limit else {
            throw error("the integer \(Self.shown(text)) is out of range (\(Int64.min) to \(Int64.max))", at: start)
        }
        return negative ? Int64(truncatingIfNeeded: 0 &- magnitude) : Int64(magnitude)
    }

    /// `"…"` with TOML's escapes; `i` is at the opening quote.
    private mutating func basicString() throws(SyntaxError) -> String {
        let open = i
        i += 1
        var out: [UInt8] = []
        var run = i  // the first byte not yet copied to `out`
        while true {
            guard let c = peek else { throw error("a string is not closed (no \" before the end of the file)", at: open) }
            switch c {
            case UInt8(ascii: "\""):
                out.append(contentsOf: bytes[run..<i])
                i += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                out.append(contentsOf: bytes[run..<i])
                try escape(into: &out, open: open)
                run = i
            default:
                try stringByte(c, open: open)
                i += 1
            }
        }
    }

    /// `'…'`, taken as written; `i` is at the opening quote.
    private mutating func literalString() throws(SyntaxError) -> String {
        let open = i
        i += 1
        let start = i
        while true {
            guard let c = peek else { throw error("a string is not closed (no ' before the end of the file)", at: open) }
            if c == UInt8(ascii: "'") {
                i += 1
                return String(decoding: bytes[start..<(i - 1)], as: UTF8.self)
            }
            try stringByte(c, open: open)
            i += 1
        }
    }

    /// Refuses a line end or a control character (other than tab) inside a one-line string.
    private func stringByte(_ c: UInt8, open: Int) throws(SyntaxError) {
        let lineEnd = c == UInt8(ascii: "\n") || (c == UInt8(ascii: "\r") && bytes.dropFirst(i + 1).first == UInt8(ascii: "\n"))
        if lineEnd { throw error("a string is not closed before the end of the line", at: open) }
        if Self.isControl(c) {
            throw error("a string cannot hold \(found()) (write it as an escape, \\u\(Self.hex(UInt32(c), digits: 4)))")
        }
    }

    /// One escape of a basic string, appended as UTF-8; `i` is at the backslash.
    private mutating func escape(into out: inout [UInt8], open: Int) throws(SyntaxError) {
        guard i + 1 < bytes.count else { throw error("a string is not closed (no \" before the end of the file)", at: open) }
        let e = bytes[i + 1]
        if let byte = Self.simpleEscape(e) {
            out.append(byte)
            i += 2
            return
        }
        guard e == UInt8(ascii: "u") || e == UInt8(ascii: "U") else {
            let shown = e >= 0x21 && e < 0x7F ? "\\\(Character(Unicode.Scalar(e)))" : "\\ followed by \(describe(at: i + 1))"
            throw error("\(shown) is not an escape (TOML's are \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX)")
        }
        let count = e == UInt8(ascii: "u") ? 4 : 8
        let letter = e == UInt8(ascii: "u") ? "u" : "U"
        var value: UInt32 = 0
        for k in 0..<count {
            guard i + 2 + k < bytes.count, let h = Self.hexValue(bytes[i + 2 + k]) else {
                throw error("\\\(letter) must be followed by \(count) hexadecimal digits")
            }
            value = value << 4 | h
        }
        guard let scalar = Unicode.Scalar(value) else {
            let why = (0xD800...0xDFFF).contains(value) ? "a lone surrogate, not a character" : "beyond U+10FFFF, the last character"
            throw error("\\\(letter)\(Self.hex(value, digits: count)) is \(why)")
        }
        out.append(contentsOf: String(scalar).utf8)
        i += 2 + count
    }

    // MARK: - Bytes

    private var peek: UInt8? { i < bytes.count ? bytes[i] : nil }

    /// Whether the text at `i` is `"""` or `'''`.
    private func startsTripleQuote() -> Bool {
        i + 2 < bytes.count && bytes[i + 1] == bytes[i] && bytes[i + 2] == bytes[i]
    }

    private static func isBareKey(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }

    /// Where a bare value (`true`, `42`, `1979-05-27`…) ends: a blank, a comment or a line end.
    private static func endsBareValue(_ b: UInt8) -> Bool {
        b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r")
            || b == UInt8(ascii: "#")
    }

    /// TOML's control characters other than tab: U+0000–U+0008, U+000A–U+001F, U+007F.
    private static func isControl(_ b: UInt8) -> Bool {
        (b < 0x20 && b != 0x09) || b == 0x7F
    }

    /// The byte that `\b`, `\t`, `\n`, `\f`, `\r`, `\"` or `\\` stands for, by the letter after the backslash.
    private static func simpleEscape(_ e: UInt8) -> UInt8? {
        switch e {
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "t"): 0x09
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): e
        default: nil
        }
    }

    private static func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(b - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let s = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - s.count)) + s
    }

    /// A key or value quoted in a message, at most 40 columns wide.
    private static func shown(_ text: String) -> String {
        "'\(ThemeError.quoted(text))'"
    }

    // MARK: - Messages

    /// What is at `i`, for a message: `'x'`, `the end of the line`, `U+00E9`, ….
    private func found() -> String { describe(at: i) }

    private func describe(at index: Int) -> String {
        guard index < bytes.count else { return "the end of the file" }
        let b = bytes[index]
        switch b {
        case UInt8(ascii: "\n"): return "the end of the line"
        case UInt8(ascii: "\r") where bytes.dropFirst(index + 1).first == UInt8(ascii: "\n"): return "the end of the line"
        case UInt8(ascii: " "): return "a space"
        case UInt8(ascii: "\t"): return "a tab"
        case 0x21..<0x7F: return "'\(Character(Unicode.Scalar(b)))'"
        case ..<0x80: return "the control character U+\(Self.hex(UInt32(b), digits: 4))"
        default: return "U+\(Self.hex(scalarValue(at: index), digits: 4))"
        }
    }

    /// The Unicode scalar whose UTF-8 starts at `index` (the text came from a `String`, so it is
    /// valid UTF-8; a cut sequence gives what was read).
    private func scalarValue(at index: Int) -> UInt32 {
        let b = bytes[index]
        let (count, bits): (Int, UInt8) = b >= 0xF0 ? (4, 0x07) : b >= 0xE0 ? (3, 0x0F) : b >= 0xC0 ? (2, 0x1F) : (1, 0x7F)
        var value = UInt32(b & bits)
        for k in 1..<count where index + k < bytes.count {
            value = value << 6 | UInt32(bytes[index + k] & 0x3F)
        }
        return value
    }

    /// The column of byte `index` on the current line (1-based, in Unicode scalars).
    private func column(of index: Int) -> Int {
        var column = 1
        for b in bytes[lineStart..<index] where b & 0xC0 != 0x80 { column += 1 }
        return column
    }

    private func error(_ message: String, at index: Int? = nil) -> SyntaxError {
        SyntaxError(message: message, line: line, column: column(of: index ?? i))
    }

    private func duplicate(_ key: String, first: Int, at index: Int) -> SyntaxError {
        error("the key \(Self.shown(key)) is defined twice in its table (first at line \(first))", at: index)
    }
}
