import Generation
import Testing
@testable import Studio

/// What the view draws from a state, read back as text.
@Suite struct StudioViewTests {
    func screen(_ state: StudioState, rows: Int = 24, columns: Int = 80) -> Canvas {
        StudioView.render(state, layout: Layout(rows: rows, columns: columns), preview: nil).canvas
    }

    /// A message longer than the status row continues on the footer's row, so it can be read.
    @Test func aLongStatusMessageContinuesOverTheFooter() {
        var state = StudioState(generator: TestGenerator(), live: false)
        let message = "words 'big', 'next', 'to', 'a', 'house' are not in this model's vocabulary; the prompt is longer than this model reads: 'green', 'triangle' are ignored"
        state.message = .warning(message)
        let canvas = screen(state)
        let status = canvas.text(row: 22), footer = canvas.text(row: 23)
        let shown = (status + footer).split(separator: " ").joined(separator: " ")
        #expect(shown == message, "\(status)|\(footer)")
        #expect(!footer.contains("^Q"))
        // A short one leaves the footer's keys, quit among them at 80 columns.
        state.message = .info("ready")
        #expect(screen(state).text(row: 23).contains("^Q quit"))
    }

    @Test func statusLinesBreakAtASpaceAndCutWhatIsLeft() {
        #expect(StudioView.statusLines("short", columns: 10) == ["short"])
        #expect(StudioView.statusLines("aaaa bbbb cccc", columns: 10) == ["aaaa bbbb", "cccc"])
        let lines = StudioView.statusLines(String(repeating: "x", count: 30), columns: 10)
        #expect(lines == ["xxxxxxxxxx", "xxxxxxxxx…"])
    }

    /// Hints are shown whole or in a shorter form, never cut ("1–100" for 1…1000).
    @Test func hintsAreNeverCut() {
        var state = StudioState(generator: TestGenerator(), live: false)
        state.steps = 600
        for columns in [60, 80, 100, 120, 160] {
            let text = screen(state, rows: 30, columns: columns).text
            #expect(!text.contains("1–100 ") && !text.contains("increm "), "at \(columns) columns")
            for field in StudioField.settings {
                let shown = StudioView.hints(field, state).contains { text.contains($0) }
                let room = columns >= 100
                #expect(shown || !room, "no hint for \(field) at \(columns) columns")
            }
        }
        #expect(screen(state, rows: 40, columns: 120).text.contains("0.05–20"))
    }
}
