// Every word a caption (or an evaluation prompt) can contain, for the tokenizer.

extension Caption {
    /// Every word that can appear in a caption, sorted (byte order) and without duplicates:
    /// articles, sizes, colours, shapes and their plurals, the words of the position phrases,
    /// `and`, `on`, the backgrounds, `background`, `two`, `three`.
    public static let vocabulary: [String] = {
        var words: Set<String> = ["a", "an", "and", "on", "background", "two", "three"]
        words.formUnion(ShapeSize.allCases.map(\.name))
        words.formUnion(ObjectColor.allCases.map(\.name))
        words.formUnion(ShapeKind.allCases.map(\.name))
        words.formUnion(ShapeKind.allCases.map(\.pluralName))
        words.formUnion(BackgroundColor.allCases.map(\.name))
        for cell in GridCell.allCases {
            words.formUnion(cell.phrase.split(separator: " ").map(String.init))
        }
        return words.sorted()
    }()
}
