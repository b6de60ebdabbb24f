import Testing
@testable import Imaging

@Suite struct PreviewProtocolTests {
    @Test func parsesTheSixNames() {
        #expect(PreviewProtocol(parsing: "sixel") == .sixel)
        #expect(PreviewProtocol(parsing: "truecolor") == .truecolor)
        #expect(PreviewProtocol(parsing: "256") == .ansi256)
        #expect(PreviewProtocol(parsing: "ASCII") == .ascii)
        #expect(PreviewProtocol(parsing: "kitty") == .kitty)
        #expect(PreviewProtocol(parsing: "iTerm2") == .iterm2)
        #expect(PreviewProtocol(parsing: "halfblocks") == nil)
        #expect(PreviewProtocol.allCases.filter(\.drawsPixels) == [.kitty, .iterm2, .sixel])
        for p in PreviewProtocol.allCases { #expect(PreviewProtocol(parsing: p.description) == p) }
    }
}
