import Foundation

/// `text` as a JSON string literal, as Python's `json.dumps(text, ensure_ascii=False)` writes it:
/// quotes and backslashes escaped, `\n \r \t \b \f` by name, other control characters as
/// `\u00XX`, everything else as UTF-8. Safetensors headers and A1111 parameters use it.
public func jsonStringLiteral(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
