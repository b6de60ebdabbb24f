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

    /// Down from the first line walks every wrapped line and stops at the last, at every
    /// width, whatever the text: the prompt FuzzPromptText hung on (invalid UTF-8 turned into
    /// U+FFFD, wide CJK, a zero-width U+206E, at width 1) among them.
    @Test func downReachesTheLastLineAtEveryWidth() {
        let hung = String(decoding: [
            0x61, 0x20, 0x72, 0x64, 0x20, 0x65, 0x63, 0x69, 0x72, 0x63, 0x6c, 0x65, 0x20, 0x6f, 0x6e, 0x20,
            0x65, 0x20, 0x66, 0x65, 0x74, 0x68, 0x6c, 0x74, 0x20, 0x61, 0x6e, 0x64, 0x20, 0x61, 0x20, 0x67,
            0x72, 0x65, 0x65, 0x6e, 0x20, 0x74, 0x72, 0x69, 0x61, 0xee, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde,
            0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde,
            0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde,
            0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde,
            0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0xde, 0x91, 0x20,
            0xed, 0x95, 0x9c, 0xea, 0xb5, 0xad, 0xec, 0x96, 0xb4, 0x20, 0xe3, 0x83, 0x86, 0xe3, 0x82, 0xb9,
            0xe3, 0x83, 0x81, 0xae, 0xe5, 0x86, 0x99, 0xe7, 0xe5, 0xa3, 0xab, 0xe5, 0xb1, 0xb1, 0xe2, 0x81,
            0xae, 0xe5, 0x2e, 0x86, 0x99, 0xe7, 0x9c, 0x7a, 0xe3, 0x80, 0x81, 0xe5, 0x84, 0xbc, 0xe3, 0x81,
            0x91, 0x20, 0x9c, 0x7a, 0xe3, 0x80, 0xde, 0x67, 0x6c, 0x65, 0x20, 0x6f, 0x6e, 0x20, 0x74, 0x68,
            0x65, 0x20, 0x72, 0x69, 0x67, 0x68, 0x74
        ] as [UInt8], as: UTF8.self)
        for text in [hung, "a red circle", "富士山の写真、夕焼け", "e\u{301}\u{301}x\u{206E}y  z"] {
            for width in 1...12 {
                var editor = PromptEditor(text)
                editor.moveToStart()
                let lines = editor.wrap(width: width)
                var moves = 0
                while editor.moveVertically(by: 1, width: width) {
                    moves += 1
                    if moves > lines.count { break }
                }
                #expect(moves == lines.count - 1, "width \(width): \(moves) moves for \(lines.count) lines, cursor \(editor.cursor) in \(text.debugDescription)")
            }
        }
    }

    /// Where a word is cut across lines, Home on the second line stays on it (column 0), and
    /// Down from column 0 lands at the next line's start rather than the previous line's end.
    @Test func homeAndDownAtABreakInsideAWordStayOnTheirLine() {
        var editor = PromptEditor("富士山の写真、夕焼け")  // 10 wide characters, no spaces
        let width = 5  // 4 columns a line: 2 characters
        editor.moveToStart()
        _ = editor.moveVertically(by: 1, width: width)
        #expect(editor.cursor == 2 && editor.cursorPosition(width: width) == (1, 0))
        _ = editor.moveVertically(by: 1, width: width)
        #expect(editor.cursor == 4 && editor.cursorPosition(width: width) == (2, 0))
        editor.moveRight()
        editor.moveToLineStart(width: width)
        #expect(editor.cursor == 4 && editor.cursorPosition(width: width) == (2, 0))
        // Any other move drops the preference: position 4 is again the end of line 1.
        editor.moveRight()
        editor.moveLeft()
        #expect(editor.cursorPosition(width: width) == (1, 4))
        _ = editor.moveVertically(by: -1, width: width)
        #expect(editor.cursorPosition(width: width) == (0, 4))
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
