import Testing
@testable import Studio

@Suite struct PromptEditorTests {
    @Test func typingAndUTF8() {
        var e = PromptEditor()
        e.insert("café ")
        e.insert("日本")
        e.insert("e\u{301}")  // e + combining acute: one character
        #expect(e.text == "café 日本é")
        #expect(e.characters.count == 8)
        e.backspace()
        #expect(e.text == "café 日本")
        e.moveLeft()
        e.backspace()
        #expect(e.text == "café 本")
        #expect(e.cursor == 5)
    }

    @Test func aCombiningMarkTypedAloneJoinsThePreviousCharacter() {
        var e = PromptEditor("cafe")
        e.insert("\u{301}")
        #expect(e.characters.count == 4)
        #expect(e.text == "café")
        #expect(e.cursor == 4)
        e.moveToStart()
        e.insert("\u{301}")  // nothing before it: kept as it is
        #expect(e.characters.count == 5)
    }

    @Test func controlCharactersAndNewlines() {
        var e = PromptEditor()
        e.insert("a\tb\r\nc\rd\u{7}e")
        #expect(e.text == "a b\nc\nde")
        var single = PromptEditor()
        single.insert("x\ny", allowNewlines: false)
        #expect(single.text == "x y")
    }

    @Test func pasteIsCutAtMaxLength() {
        var e = PromptEditor(maxLength: 10)
        do { let r = e.insert("0123456789abc"); #expect(r == false) }
        #expect(e.text == "0123456789")
        do { let r = e.insert("z"); #expect(r == false) }
    }

    @Test func wordWrapBreaksAtSpaces() {
        let e = PromptEditor("the quick brown fox jumps")
        // width 11 → at most 10 columns per line
        #expect(e.wrappedText(width: 11) == ["the quick", "brown fox", "jumps"])
        let long = PromptEditor("abcdefghijklmnop")
        #expect(long.wrappedText(width: 6) == ["abcde", "fghij", "klmno", "p"])
        let hard = PromptEditor("one\n\ntwo")
        #expect(hard.wrappedText(width: 20) == ["one", "", "two"])
        #expect(PromptEditor("").wrappedText(width: 10) == [""])
    }

    @Test func wideCharactersWrapByColumns() {
        let e = PromptEditor("日本語日本語")  // 12 columns
        #expect(e.wrappedText(width: 7) == ["日本語", "日本語"])
    }

    @Test func cursorPositionFollowsWrapping() {
        var e = PromptEditor("the quick brown fox")
        #expect(e.cursorPosition(width: 11).row == 1)
        #expect(e.cursorPosition(width: 11).column == 9)
        e.moveToStart()
        #expect(e.cursorPosition(width: 11) == (0, 0))
    }

    @Test func upDownKeepTheColumn() {
        var e = PromptEditor("the quick brown fox")  // ["the quick", "brown fox"] at width 11
        e.moveToStart()
        for _ in 0..<4 { e.moveRight() }  // before "quick"
        do { let r = e.moveVertically(by: 1, width: 11); #expect(r) }
        #expect(e.cursor == 10 + 4)  // "brown fox" starts at 10; column 4
        do { let r = e.moveVertically(by: 1, width: 11); #expect(!r) }
        do { let r = e.moveVertically(by: -1, width: 11); #expect(r) }
        #expect(e.cursor == 4)
    }

    @Test func homeAndEndUseTheWrappedLine() {
        var e = PromptEditor("the quick brown fox")
        e.moveToLineStart(width: 11)
        #expect(e.cursor == 10)
        e.moveToStart()
        e.moveToLineEnd(width: 11)
        #expect(e.cursor == 9)
    }

    @Test func wordMovesAndDeletes() {
        var e = PromptEditor("a red  circle, blue")
        e.deleteWordBackward()
        #expect(e.text == "a red  circle, ")
        e.deleteWordBackward()
        #expect(e.text == "a red  ")
        e.moveWordLeft()
        #expect(e.cursor == 2)
        e.deleteWordForward()
        #expect(e.text == "a   ")
        e.moveToStart()
        e.moveWordRight()
        #expect(e.cursor == 1)
    }

    @Test func killToLineEndAndStart() {
        var e = PromptEditor("first line\nsecond")
        e.moveToStart()
        for _ in 0..<5 { e.moveRight() }
        e.deleteToLineEnd()
        #expect(e.text == "first\nsecond")
        e.deleteToLineEnd()  // at the newline: joins the lines
        #expect(e.text == "firstsecond")
        e.deleteToLineStart()
        #expect(e.text == "second")
        #expect(e.cursor == 0)
    }
}
