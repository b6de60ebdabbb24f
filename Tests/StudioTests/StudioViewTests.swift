import Generation
import Testing
@testable import Studio

/// What the view draws from a state, read back as text.
@Suite struct StudioViewTests {
    func screen(_ state: StudioState, rows: Int = 24, columns: Int = 80) -> Canvas {
        StudioView.render(state, layout: Layout(rows: rows, columns: columns), preview: nil).canvas
    }

    /// A slow model's steps read in seconds with the time left; a fast one's in milliseconds.
    @Test func stepTimingShowsSecondsPerStepAndTheTimeLeft() {
        #expect(StudioView.stepTiming(elapsed: 0.17, stepsDone: 2, total: 20, running: true) == "85 ms/step  ETA 2s")
        #expect(StudioView.stepTiming(elapsed: 62, stepsDone: 5, total: 28, running: true) == "12.4 s/step  ETA 4:45")
        #expect(StudioView.stepTiming(elapsed: 62, stepsDone: 28, total: 28, running: false) == "2.2 s/step")
        #expect(StudioView.stepTiming(elapsed: 40, stepsDone: 2, total: 28, running: false) == "20.0 s/step")
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
        #expect(StudioView.statusLines("aaaa bbbbb cccc", columns: 10) == ["aaaa bbbbb", "cccc"])  // full exactly at a space
        #expect(StudioView.statusLines(String(repeating: "x", count: 30), columns: 10) == ["xxxxxxxxxx", "xxxxxxxxx…"])
        #expect(StudioView.statusLines("日本語の 言葉です", columns: 8) == ["日本語の", "言葉です"])  // wide: 2 columns each
        #expect(StudioView.statusLines("anything", columns: 0) == [""])
    }

    /// Each setting's hint is shown whole, in one of its forms, or not at all: never cut
    /// ("1–100" for 1…1000), at any width.
    @Test func hintsAreNeverCut() {
        var state = StudioState(generator: TestGenerator(), live: false)
        state.editor.steps = 600
        for columns in [60, 72, 80, 100, 120, 160] {
            let layout = Layout(rows: 30, columns: columns)
            let canvas = StudioView.render(state, layout: layout, preview: nil).canvas
            var shown = 0
            for (i, field) in StudioField.settings.enumerated() {
                // What follows the label (11 columns and a space) and the value: a whole hint or nothing.
                let row = Array(canvas.text(row: layout.settings.row + i))
                let after = layout.settings.column + 12 + state.editor.value(of: field).count
                let hint = String(row[min(after, layout.settings.right)..<layout.settings.right]).trimmingCharacters(in: .whitespaces)
                #expect(hint.isEmpty || StudioView.hints(field, state).contains(hint),
                        "\(field) at \(columns) columns shows '\(hint)'")
                if !hint.isEmpty { shown += 1 }
            }
            if columns >= 100 { #expect(shown == StudioField.settings.count, "at \(columns) columns") }
        }
    }
}
