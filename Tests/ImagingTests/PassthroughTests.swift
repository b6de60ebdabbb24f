import Testing
@testable import Imaging

@Suite struct PassthroughTests {
    @Test func wrapDoublesEveryEscapeAndUnwrapUndoesIt() {
        let sequence = KittyGraphics.command("a=T,f=24,s=1,v=1", payload: Array("AAAA".utf8))
        let wrapped = Passthrough.wrap(sequence)
        #expect(String(decoding: wrapped, as: UTF8.self)
                == "\u{1B}Ptmux;\u{1B}\u{1B}_Ga=T,f=24,s=1,v=1;AAAA\u{1B}\u{1B}\\\u{1B}\\")
        // Exactly one undoubled ESC \ : the wrapper's own end.
        #expect(Passthrough.unwrap(wrapped) == [sequence])
        let two = Passthrough.wrap(Array("\u{1B}7\u{1B}[3;4H".utf8)) + Array("plain".utf8) + Passthrough.wrap(sequence)
        #expect(Passthrough.unwrap(two) == [Array("\u{1B}7\u{1B}[3;4H".utf8), sequence])
        #expect(Passthrough.unwrap(Array("\u{1B}Ptmux;unterminated".utf8)).isEmpty)
    }

    @Test func cursorMovesAreInTheOuterTerminalsCoordinates() {
        #expect(String(decoding: Passthrough().cursorMove(row: 0, column: 0), as: UTF8.self) == "\u{1B}[1;1H")
        #expect(String(decoding: Passthrough(paneRow: 10, paneColumn: 81).cursorMove(row: 2, column: 3), as: UTF8.self)
                == "\u{1B}[13;85H")
    }

    @Test func chunkedPicturesStayFarBelowTmuxsLimit() {
        let image = noiseImage(width: 200, height: 150, seed: 5)
        let commands = KittyGraphics.place(image, format: .rgb, imageID: 1, placementID: 1, columns: 20, rows: 8)
        #expect(commands.count == 30)  // 90000 bytes → 120000 base64 → 29 chunks of 4096 and one of 1216
        for command in commands { #expect(Passthrough.wrap(command).count < Passthrough.maximumSequenceBytes / 100) }
    }
}
