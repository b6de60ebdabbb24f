/// Decoding errors as phrases for messages a user reads (Foundation's descriptions are for
/// programmers: "DecodingError.keyNotFound(CodingKeys(stringValue: …").
extension DecodingError {
    /// What is wrong and where: "not valid JSON", "invalid value at settings.sampler",
    /// "missing 'name' at top level", "wrong type at favorites.[2]". The first
    /// `droppingKeys` keys of the path are left out (to name places inside one element).
    public func phrase(droppingKeys dropped: Int = 0) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            let kept = keys.dropFirst(dropped)
            return kept.isEmpty ? "top level" : kept.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch self {
        case let .dataCorrupted(context):
            // At the top level the text is not JSON; deeper, a value is wrong (an unknown enum case).
            return context.codingPath.isEmpty ? "not valid JSON" : "invalid value at \(path(context.codingPath))"
        case let .keyNotFound(key, context):
            return "missing '\(key.stringValue)' at \(path(context.codingPath))"
        case let .typeMismatch(_, context), let .valueNotFound(_, context):
            return "wrong type at \(path(context.codingPath))"
        @unknown default:
            return "\(self)"
        }
    }
}
