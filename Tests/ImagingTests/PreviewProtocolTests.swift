import Testing
@testable import Imaging

@Suite struct PreviewProtocolTests {
    @Test func parsesTheFourNames() {
        #expect(PreviewProtocol(parsing: "sixel") == .sixel)
        #expect(PreviewProtocol(parsing: "truecolor") == .truecolor)
        #expect(PreviewProtocol(parsing: "256") == .ansi256)
        #expect(PreviewProtocol(parsing: "ASCII") == .ascii)
        #expect(PreviewProtocol(parsing: "kitty") == nil)
        for p in PreviewProtocol.allCases { #expect(PreviewProtocol(parsing: p.description) == p) }
    }
}
