/// A theme file's contents as FlowStudio's own TOML reader gives them: the keys and tables of
/// the small subset of TOML that themes use, in file order.
///
/// The subset: comments, blank lines, `key = value` at the top and in one level of `[table]`
/// sections; bare keys (`A–Z a–z 0–9 _ -`) and quoted keys (`"…"`, `'…'`); values that are
/// basic strings `"…"` (with TOML's escapes), literal strings `'…'`, `true`/`false`, or decimal
/// integers. Everything else TOML allows (arrays, inline tables, dates and times, floats,
/// multi-line strings, dotted keys, nested tables, arrays of tables) is refused with a message
/// that names it and where it is, as is every malformed input: the reader never traps, holds
/// nothing beyond the result, and reads the text once from start to end (linear time).
/// `ThemeTOMLParser` does the reading.
struct ThemeTOML: Equatable, Sendable {
    /// A value: one of the kinds a theme file uses, or a `[table]` of them.
    enum Value: Equatable, Sendable, CustomStringConvertible {
        case string(String)
        case integer(Int64)
        case boolean(Bool)
        /// A `[name]` section's entries, in file order (only at the top level).
        case table([Entry])

        /// The value as a message shows it: a string quoted, a table as `a table`.
        var description: String {
            switch self {
            case let .string(s): "\"\(s)\""
            case let .integer(n): String(n)
            case let .boolean(b): b ? "true" : "false"
            case .table: "a table"
            }
        }
    }

    /// One `key = value` (or, at the top level, one `[key]` section) and where its key is.
    struct Entry: Equatable, Sendable {
        var key: String
        var value: Value
        /// The key's line and column (1-based; columns count Unicode scalars).
        var line: Int
        var column: Int
    }

    /// Why a text is not a theme file's TOML, and where.
    struct SyntaxError: Error, Equatable, CustomStringConvertible {
        var message: String
        var line: Int
        var column: Int

        var description: String { "\(message) at line \(line), column \(column)" }
    }

    /// The top level: its `key = value` entries first, then its tables, each in file order.
    var entries: [Entry]

    /// Reads `text` (a UTF-8 byte-order mark at its start is skipped; lines end in LF or CRLF).
    init(parsing text: String) throws(SyntaxError) {
        var parser = ThemeTOMLParser(text)
        entries = try parser.document()
    }

    init(entries: [Entry]) {
        self.entries = entries
    }
}
