import Testing
@testable import Studio

@Suite struct LayoutTests {
    @Test func standardScreen() {
        let l = Layout(rows: 40, columns: 120)
        #expect(!l.tooSmall)
        #expect(l.status.row == 38 && l.footer.row == 39)
        #expect(l.previewBox.right == 120)  // the box border ends every row the image crosses
        #expect(l.image.bottom <= l.status.row - 1)  // never the last rows
        #expect(l.image.columns >= 64 && l.image.rows >= 32)  // a 64×64 image fits 1:1 in half blocks
        #expect(!l.promptBox.intersects(l.previewBox))
        #expect(l.settings.rows == StudioField.settings.count)
        #expect(l.settings.bottom <= l.status.row)
    }

    @Test func smallestAllowedScreenFitsEverything() {
        let l = Layout(rows: Layout.minimumRows, columns: Layout.minimumColumns)
        #expect(!l.tooSmall)
        #expect(l.settings.rows == StudioField.settings.count)
        #expect(l.settings.bottom <= l.status.row)
        #expect(l.promptText.rows >= 1 && l.negativeText.rows >= 1)
        #expect(l.image.rows >= 4 && l.image.columns >= 10)
    }

    @Test func tinyScreensAreTooSmall() {
        #expect(Layout(rows: 10, columns: 120).tooSmall)
        #expect(Layout(rows: 40, columns: 30).tooSmall)
        #expect(Layout(rows: 0, columns: 0).tooSmall)
    }

    @Test func everySizeKeepsTheImageAboveTheStatusLine() {
        for rows in stride(from: Layout.minimumRows, through: 80, by: 7) {
            for columns in stride(from: Layout.minimumColumns, through: 250, by: 23) {
                let l = Layout(rows: rows, columns: columns)
                #expect(l.image.bottom < rows - 1)
                #expect(l.image.right < columns)
                #expect(l.settings.bottom <= l.status.row)
                #expect(!l.image.isEmpty)
            }
        }
    }
}
