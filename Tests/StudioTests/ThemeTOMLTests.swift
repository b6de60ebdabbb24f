import Foundation
import Testing
@testable import Studio

/// FlowStudio's own reader of theme TOML (`ThemeTOML`, issue 17): every accepted form, every
/// refused form with its message and position, the fuzzing regressions, and large inputs.
@Suite struct ThemeTOMLTests {
    typealias Entry = ThemeTOML.Entry

    static func entry(_ key: String, _ value: ThemeTOML.Value, _ line: Int, _ column: Int) -> Entry {
        Entry(key: key, value: value, line: line, column: column)
    }

    static func parse(_ text: String) throws -> [Entry] {
        try ThemeTOML(parsing: text).entries
    }

    /// The message a refused text gives (nil when it parses).
    static func refusal(_ text: String) -> String? {
        do {
            _ = try ThemeTOML(parsing: text)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func everyAcceptedForm() throws {
        let text = """
        # a comment line
          # an indented comment\t
        name = "t" # a comment after a value
        description='literal \\n \\u00e9 stays'
        n1 = 0
        n2 = +17
        n3 = -0
        n4 = 1_000_000
        n5 = -9223372036854775808
        n6 = 9223372036854775807
        \t"quoted key" = "tab\tinside # not a comment"
        'literal key' = ""
        "" = ''

        [text]
        fg="#d0d0d0"
        bold = true
        underline = false
        [ "focus-border" ]  # a comment after a header
        esc = "\\" \\\\ \\n \\t \\r \\b \\f \\u00E9 \\U0001F600 \\u0041"
        [ 'box_title' ]
        [A-z_0-9]
        unicode = "héllo ✓"
        """
        let e = Self.entry
        #expect(try Self.parse(text) == [
            e("name", .string("t"), 3, 1),
            e("description", .string("literal \\n \\u00e9 stays"), 4, 1),
            e("n1", .integer(0), 5, 1),
            e("n2", .integer(17), 6, 1),
            e("n3", .integer(0), 7, 1),
            e("n4", .integer(1_000_000), 8, 1),
            e("n5", .integer(Int64.min), 9, 1),
            e("n6", .integer(Int64.max), 10, 1),
            e("quoted key", .string("tab\tinside # not a comment"), 11, 2),
            e("literal key", .string(""), 12, 1),
            e("", .string(""), 13, 1),
            e("text", .table([e("fg", .string("#d0d0d0"), 16, 1), e("bold", .boolean(true), 17, 1),
                              e("underline", .boolean(false), 18, 1)]), 15, 1),
            e("focus-border", .table([e("esc", .string("\" \\ \n \t \r \u{8} \u{C} é 😀 A"), 20, 1)]), 19, 1),
            e("box_title", .table([]), 21, 1),
            e("A-z_0-9", .table([e("unicode", .string("héllo ✓"), 23, 1)]), 22, 1),
        ])
    }

    @Test func lineEndsByteOrderMarkAndEmptyTexts() throws {
        let e = Self.entry
        let expected = [e("a", .integer(1), 1, 1), e("t", .table([e("b", .string("x"), 3, 1)]), 2, 1)]
        #expect(try Self.parse("a = 1\n[t]\nb = \"x\"") == expected)  // no final line end
        #expect(try Self.parse("a = 1\r\n[t]\r\nb = \"x\"\r\n") == expected)
        #expect(try Self.parse("\u{FEFF}a = 1\n[t]\nb = \"x\"\n") == expected)  // the mark is not a column
        #expect(try Self.parse("") == [])
        #expect(try Self.parse("\u{FEFF}") == [])
        #expect(try Self.parse("\n\n# only comments\r\n  \t\n") == [])
        // Keys may repeat across tables; a quoted key equals its bare spelling only within one.
        #expect(try Self.parse("[t]\na = 1\n[u]\na = 2").count == 2)
    }

    @Test func everyRefusedFormSaysWhatAndWhere() {
        let cases: [(String, String)] = [
            // Valid TOML that themes do not use.
            ("fg = [1, 2]", "arrays are not used in themes at line 1, column 6"),
            ("[text]\nfg = {r = 1}", "inline tables are not used in themes at line 2, column 6"),
            ("a = 1979-05-27", "dates and times are not used in themes at line 1, column 5"),
            ("a = 1979-05-27T07:32:00Z", "dates and times are not used in themes at line 1, column 5"),
            ("a = 1979-05-27 07:32:00", "dates and times are not used in themes at line 1, column 5"),
            ("a = 07:32:00", "dates and times are not used in themes at line 1, column 5"),
            ("a = 1.5", "floats ('1.5') are not used in themes at line 1, column 5"),
            ("a = -1e3", "floats ('-1e3') are not used in themes at line 1, column 5"),
            ("a = inf", "floats (inf) are not used in themes at line 1, column 5"),
            ("a = -nan", "floats (-nan) are not used in themes at line 1, column 5"),
            ("a = 0xff", "hexadecimal, octal and binary integers are not used in themes (write '0xff' in decimal) at line 1, column 5"),
            ("a = 0o17", "hexadecimal, octal and binary integers are not used in themes (write '0o17' in decimal) at line 1, column 5"),
            ("a = \"\"\"x\"\"\"", "multi-line strings are not used in themes at line 1, column 5"),
            ("a = '''x'''", "multi-line strings are not used in themes at line 1, column 5"),
            ("text.fg = 1", "dotted keys (a.b = …) are not used in themes at line 1, column 5"),
            ("[text.sub]", "nested tables ([a.b]) are not used in themes at line 1, column 6"),
            ("[[text]]", "arrays of tables ([[name]]) are not used in themes at line 1, column 1"),
            // Duplicates.
            ("a = 1\na = 2", "the key 'a' is defined twice in its table (first at line 1) at line 2, column 1"),
            ("[t]\na = 1\n  \"a\" = 2", "the key 'a' is defined twice in its table (first at line 2) at line 3, column 3"),
            ("[t]\n[u]\n[t]", "the table [t] is defined twice (first at line 1) at line 3, column 1"),
            ("[t]\n['t']", "the table [t] is defined twice (first at line 1) at line 2, column 1"),
            ("t = 1\n[t]", "the table [t] has the name of the key at line 1 at line 2, column 1"),
            // Strings.
            ("a = \"\\q\"", "\\q is not an escape (TOML's are \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX) at line 1, column 6"),
            ("a = \"\\e\"", "\\e is not an escape (TOML's are \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX) at line 1, column 6"),
            ("a = \"x\\ \"", "\\ followed by a space is not an escape (TOML's are \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX) at line 1, column 7"),
            ("a = \"\\uD800\"", "\\uD800 is a lone surrogate, not a character at line 1, column 6"),
            ("a = \"\\udfff\"", "\\uDFFF is a lone surrogate, not a character at line 1, column 6"),
            ("a = \"\\U00110000\"", "\\U00110000 is beyond U+10FFFF, the last character at line 1, column 6"),
            ("a = \"\\u12\"", "\\u must be followed by 4 hexadecimal digits at line 1, column 6"),
            ("a = \"\\U1234567\"", "\\U must be followed by 8 hexadecimal digits at line 1, column 6"),
            ("a = \"\\u00", "\\u must be followed by 4 hexadecimal digits at line 1, column 6"),
            ("a = \"x\u{01}\"", "a string cannot hold the control character U+0001 (write it as an escape, \\u0001) at line 1, column 7"),
            ("a = 'x\u{7F}'", "a string cannot hold the control character U+007F (write it as an escape, \\u007F) at line 1, column 7"),
            ("a = \"x\ry\"", "a string cannot hold the control character U+000D (write it as an escape, \\u000D) at line 1, column 7"),
            ("a = \"abc\nb = 1", "a string is not closed before the end of the line at line 1, column 5"),
            ("a = 'abc\r\nb = 1", "a string is not closed before the end of the line at line 1, column 5"),
            ("a = \"abc", "a string is not closed (no \" before the end of the file) at line 1, column 5"),
            ("a = \"abc\\", "a string is not closed (no \" before the end of the file) at line 1, column 5"),
            ("a = 'abc", "a string is not closed (no ' before the end of the file) at line 1, column 5"),
            ("\"\"\"k\"\"\" = 1", "a key cannot be a multi-line string at line 1, column 1"),
            // Integers.
            ("a = 9223372036854775808", "the integer '9223372036854775808' is out of range (-9223372036854775808 to 9223372036854775807) at line 1, column 5"),
            ("a = -9223372036854775809", "the integer '-9223372036854775809' is out of range (-9223372036854775808 to 9223372036854775807) at line 1, column 5"),
            ("a = 123456789012345678901234567890", "the integer '123456789012345678901234567890' is out of range (-9223372036854775808 to 9223372036854775807) at line 1, column 5"),
            ("a = 01", "an integer cannot start with 0 ('01') at line 1, column 5"),
            ("a = -0_1", "an integer cannot start with 0 ('-0_1') at line 1, column 5"),
            ("a = 1__2", "'1__2' is not a decimal integer (digits with an optional sign, _ only between digits) at line 1, column 5"),
            ("a = 1_", "'1_' is not a decimal integer (digits with an optional sign, _ only between digits) at line 1, column 5"),
            ("a = 12abc", "'12abc' is not a decimal integer (digits with an optional sign, _ only between digits) at line 1, column 5"),
            ("a = _1", "expected a value (a quoted string, true, false or a decimal integer), found '_1' at line 1, column 5"),
            ("a = +", "expected a value (a quoted string, true, false or a decimal integer), found '+' at line 1, column 5"),
            // Other values and line structure.
            ("[text]\nfg = red", "expected a value (a quoted string, true, false or a decimal integer), found 'red' at line 2, column 6"),
            ("a = truex", "expected a value (a quoted string, true, false or a decimal integer), found 'truex' at line 1, column 5"),
            ("a = True", "expected a value (a quoted string, true, false or a decimal integer), found 'True' at line 1, column 5"),
            ("a =", "expected a value after '=', found the end of the file at line 1, column 4"),
            ("a = \nb = 1", "expected a value after '=', found the end of the line at line 1, column 5"),
            ("a = # c", "expected a value after '=', found a comment at line 1, column 5"),
            ("a \"b\"", "expected '=' after the key 'a', found '\"' at line 1, column 3"),
            ("a", "expected '=' after the key 'a', found the end of the file at line 1, column 2"),
            ("a = 1 2", "expected the end of the line after the value, found '2' at line 1, column 7"),
            ("a = \"x\"y", "expected the end of the line after the value, found 'y' at line 1, column 8"),
            ("[t] x", "expected the end of the line after the table header, found 'x' at line 1, column 5"),
            ("[t", "expected ']' to close the table header, found the end of the file at line 1, column 3"),
            ("[t\n", "expected ']' to close the table header, found the end of the line at line 1, column 3"),
            ("[]", "a table header needs a name between [ and ] at line 1, column 2"),
            ("[ ]", "a table header needs a name between [ and ] at line 1, column 3"),
            ("[=", "expected a table name, found '=' at line 1, column 2"),
            ("[", "expected a table name, found the end of the file at line 1, column 2"),
            ("= 1", "expected a key, a [table] or a comment, found '=' at line 1, column 1"),
            ("a = 1\r", "a carriage return must be followed by a line feed (a line ends in LF or CRLF) at line 1, column 6"),
            ("a = 1\rb = 2", "a carriage return must be followed by a line feed (a line ends in LF or CRLF) at line 1, column 6"),
            ("# c\u{01}", "a comment cannot hold the control character U+0001 at line 1, column 4"),
            ("# c\u{7F}", "a comment cannot hold the control character U+007F at line 1, column 4"),
            // Found by fuzzing (issue 17): toml++ aborted on these.
            ("\u{FEFF}[   \u{FFFD}t   [text]\nfg = \"#303029\"", "expected a table name, found U+FFFD at line 1, column 5"),
            ("a = 1\n\u{FEFF}b = 2", "expected a key, a [table] or a comment, found U+FEFF at line 2, column 1"),
            // Columns count characters (Unicode scalars), lines count LF and CRLF.
            ("a = \"é✓😀\" x", "expected the end of the line after the value, found 'x' at line 1, column 11"),
            ("a = 1\r\n\r\nb = [", "arrays are not used in themes at line 3, column 5"),
        ]
        for (text, expected) in cases {
            #expect(Self.refusal(text) == expected, "\(text.debugDescription)")
        }
    }

    /// The inputs that crashed toml++ (committed for the fuzz target) are each one clean error.
    @Test func fuzzRegressionsAreCleanErrors() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/regressions/FuzzTheme")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(files.count >= 5)
        for file in files {
            let text = String(decoding: try Data(contentsOf: folder.appendingPathComponent(file)), as: UTF8.self)
            #expect(Self.refusal(text)?.contains(" at line ") == true, "\(file)")
            #expect(throws: ThemeError.self, "\(file)") { try Theme(toml: text, name: file) }
        }
    }

    /// A 5 MB value and 100 000 lines are read in one pass (no timing assertion: the test run
    /// finishing is the check; a quadratic reader would not).
    @Test func largeInputs() throws {
        let big = String(repeating: "abc\\t", count: 1_000_000)  // 5 MB of text, 4 MB of value
        let entries = try Self.parse("[text]\nfg = \"\(big)\"\nbg = '\(String(repeating: "x", count: 5_000_000))'")
        guard case let .table(text) = entries.first?.value, text.count == 2,
              case let .string(fg) = text[0].value, case let .string(bg) = text[1].value else {
            Issue.record("unexpected \(entries.count) entries")
            return
        }
        #expect(fg.utf8.count == 4_000_000 && fg.hasPrefix("abc\tabc\t"))
        #expect(bg.utf8.count == 5_000_000)
        // A theme with a 5 MB colour is refused with a message of bounded length.
        do {
            _ = try Theme(toml: "[text]\nfg = '\(String(repeating: "x", count: 5_000_000))'", name: "big")
            Issue.record("a 5 MB colour was accepted")
        } catch {
            #expect(error.description.count < 300)
        }

        var lines = "[t]\n"
        for k in 0..<50_000 { lines += "k\(k) = \(k) # comment\n\n" }
        let many = try Self.parse(lines)
        guard case let .table(keys) = many.first?.value else { Issue.record("no table"); return }
        #expect(keys.count == 50_000 && keys.last == Self.entry("k49999", .integer(49_999), 100_000, 1))
        var tables = ""
        for k in 0..<100_000 { tables += "[t\(k)]\n" }
        #expect(try Self.parse(tables).count == 100_000)
        // A late error in a long file still names its line.
        #expect(Self.refusal(tables + "[t5]") == "the table [t5] is defined twice (first at line 6) at line 100001, column 1")
    }
}
