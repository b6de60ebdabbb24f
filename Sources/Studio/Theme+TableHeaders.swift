extension Theme {
    /// Why a table header in `text` would crash TOMLKit's parser, or nil.
    ///
    /// toml++ 3 (inside TOMLKit 0.6.0) asserts (aborts the process) instead of reporting an
    /// error when a table header's key starts with a character no key can start with, e.g. `[=`
    /// or `[[#` (found by fuzzing, issue 17). Such headers are refused here, before the text
    /// reaches it, as the syntax error they are.
    static func badTableHeader(in text: String) -> String? {
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var rest = line.drop { $0 == " " || $0 == "\t" }
            guard rest.first == "[" else { continue }
            rest = rest.dropFirst()
            if rest.first == "[" { rest = rest.dropFirst() }
            rest = rest.drop { $0 == " " || $0 == "\t" }
            guard let first = rest.first else { continue }  // "[" alone: the parser reports it
            let startsKey = first.isASCII && (first.isLetter || first.isNumber || first == "_" || first == "-")
                || first == "\"" || first == "'" || first == "]"
            if !startsKey {
                return "a table header's name cannot start with '\(first)' at line \(index + 1)"
            }
        }
        return nil
    }
}
