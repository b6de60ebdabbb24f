import Testing
import TextEncoders

@Suite struct WordTokenizerTests {
    @Test func wordsAreLowerCasedAndSplitOnAnythingButLettersAndDigits() {
        #expect(WordTokenizer.words(of: "A red-circle, 2 Blue  squares!") == ["a", "red", "circle", "2", "blue", "squares"])
        #expect(WordTokenizer.words(of: "  ") == [])
    }

    @Test func unknownAndTruncatedWordsAreReported() {
        let tokenizer = WordTokenizer(words: ["red", "circle"], length: 3)
        let encoding = tokenizer.encode("red dog circle circle")
        #expect(encoding.unknownWords == ["dog"])
        #expect(encoding.truncatedWords == ["circle"])
        #expect(encoding.tokens.count == 3)
    }
}
