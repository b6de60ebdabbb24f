import FlowCore
import Imaging
import Testing
@testable import Studio

@Suite struct TerminalTests {
    @Test func probeParsesDA1AndXTSMGRAPHICS() {
        let xterm = Array("\u{1B}[?1;0;1024S\u{1B}[?63;1;2;4;6;9;15;16;22;28c".utf8)
        let p = TerminalProbe.parse(xterm)
        #expect(p.deviceAttributes == [63, 1, 2, 4, 6, 9, 15, 16, 22, 28])
        #expect(p.colorRegisters == 1024)
        #expect(p.supportsSixel)
        let tmux = TerminalProbe.parse(Array("\u{1B}[?1;2c".utf8))
        #expect(!tmux.supportsSixel)
        #expect(tmux.colorRegisters == nil)
        #expect(TerminalProbe.parse(Array("\u{1B}[?1;3;0S".utf8)).colorRegisters == nil)  // status 3: failure
        #expect(TerminalProbe.parse([]).deviceAttributes == nil)
    }

    @Test func protocolChoice() {
        let sixel = TerminalProbe(deviceAttributes: [63, 4])
        let plain = TerminalProbe(deviceAttributes: [1, 2])
        #expect(sixel.choose(override: nil, colorCount: 256, environment: [:]) == .sixel)
        #expect(sixel.choose(override: .ascii, colorCount: 256, environment: [:]) == .ascii)
        #expect(plain.choose(override: nil, colorCount: 8, environment: ["COLORTERM": "truecolor"]) == .truecolor)
        #expect(plain.choose(override: nil, colorCount: 8, environment: ["COLORTERM": "24bit"]) == .truecolor)
        #expect(plain.choose(override: nil, colorCount: 256, environment: [:]) == .ansi256)
        #expect(plain.choose(override: nil, colorCount: 8, environment: ["TERM": "screen-256color"]) == .ansi256)
        #expect(plain.choose(override: nil, colorCount: 8, environment: ["TERM": "screen"]) == .ascii)
        #expect(TerminalProbe().choose(override: nil, colorCount: 0, environment: [:]) == .ascii)
    }

    @Test func imagesScaleByWholeMultiples() {
        let image = RGBImage(width: 16, height: 16, fill: .red)
        // Half blocks: 1×2 pixels per cell; 40×20 cells = 40×40 pixels → ×2.
        let half = TerminalImage.fitted(image, protocol: .truecolor, columns: 40, rows: 20, cellPixels: (10, 20))
        #expect(half.width == 32 && half.height == 32)
        // Sixel: 10×20-pixel cells; 30×10 cells = 300×200 pixels → ×12.
        let sixel = TerminalImage.fitted(image, protocol: .sixel, columns: 30, rows: 10, cellPixels: (10, 20))
        #expect(sixel.width == 192 && sixel.height == 192)
        // Too big: shrunk to fit, aspect kept.
        let big = TerminalImage.fitted(RGBImage(width: 100, height: 50), protocol: .ansi256, columns: 50, rows: 50, cellPixels: (10, 20))
        #expect(big.width == 50 && big.height == 25)
    }

    @Test func renderedSizesInCells() throws {
        let image = RGBImage(width: 16, height: 16, fill: RGB(255, 0, 0))
        let half = TerminalImage.render(image, protocol: .truecolor, columns: 20, rows: 10, cellPixels: (10, 20))
        #expect(half.columns == 16 && half.rows == 8)
        guard case let .ansiLines(lines) = half.payload else { Issue.record("expected half-block lines"); return }
        #expect(lines.count == 8)
        #expect(lines[0].hasPrefix("\u{1B}[38;2;255;0;0m\u{1B}[48;2;255;0;0m▀"))

        let sixel = TerminalImage.render(image, protocol: .sixel, columns: 20, rows: 10, cellPixels: (10, 20))
        #expect(sixel.columns == 20 && sixel.rows == 10)  // ×12: 192×192 pixels over 10×20-pixel cells
        guard case let .sixel(bytes) = sixel.payload else { Issue.record("expected sixel"); return }
        let decoded = try SixelDecoder.decode(bytes)
        #expect(decoded.image.width == 192 && decoded.image.height == 192)

        let ascii = TerminalImage.render(image, protocol: .ascii, columns: 20, rows: 10, cellPixels: (10, 20))
        guard case let .textLines(text) = ascii.payload else { Issue.record("expected text"); return }
        #expect(text.count == 8 && text.allSatisfy { $0.count == 16 })

        let printable = TerminalImage.printable(image, protocol: .ansi256, maxColumns: 8, maxRows: 8)
        #expect(String(decoding: printable, as: UTF8.self).split(separator: "\n").count == 4)
    }

    @Test func overlayBytesSaveAndRestoreTheCursorAndAvoidTheLastRow() {
        let overlay = Overlay(key: "k", rect: CellRect(row: 37, column: 5, rows: 3, columns: 2), payload: .lines(["ab", "cd", "ef"]))
        let bytes = String(decoding: CursesTerminal.overlayBytes([overlay], screenRows: 40), as: UTF8.self)
        #expect(bytes.hasPrefix("\u{1B}[?2026h\u{1B}7"))
        #expect(bytes.hasSuffix("\u{1B}8\u{1B}[?2026l"))
        #expect(bytes.contains("\u{1B}[38;6Hab"))
        #expect(bytes.contains("\u{1B}[39;6Hcd"))
        #expect(!bytes.contains("ef"))  // row 40 is the last one
        let sixel = Overlay(key: "s", rect: CellRect(row: 2, column: 3, rows: 38, columns: 4), payload: .sixel(Array("\u{1B}Pq\u{1B}\\".utf8)))
        #expect(!String(decoding: CursesTerminal.overlayBytes([sixel], screenRows: 40), as: UTF8.self).contains("\u{1B}Pq"))
    }

    @Test func controlBytesMapToKeys() {
        #expect(Key.fromControlByte(0x13) == .control("s"))
        #expect(Key.fromControlByte(0x11) == .control("q"))
        #expect(Key.fromControlByte(0x03) == .control("c"))
        #expect(Key.fromControlByte(0x09) == .tab)
        #expect(Key.fromControlByte(0x0D) == .enter)
        #expect(Key.fromControlByte(0x7F) == .backspace)
        #expect(Key.fromControlByte(0x08) == .backspace)  // Ctrl-H is Backspace on many terminals
        #expect(Key.fromControlByte(0x1B) == .escape)
        #expect(Key.fromControlByte(0x41) == nil)
    }

    @Test func displayWidths() {
        #expect(DisplayWidth.of("abc") == 3)
        #expect(DisplayWidth.of("日本") == 4)
        #expect(DisplayWidth.of("e\u{301}") == 1)
        #expect(DisplayWidth.of("🙂") == 2)
        #expect(DisplayWidth.truncate("hello world", to: 6) == "hello…")
        #expect(DisplayWidth.truncate("short", to: 6) == "short")
    }

    @Test func canvasPutsWideCharactersInTwoCells() {
        var c = Canvas(rows: 1, columns: 6)
        #expect(c.put("a日b", row: 0, column: 0, role: .text) == 4)
        #expect(c[0, 2].isContinuation)
        #expect(c.text(row: 0) == "a日b  ")
        #expect(c.put("日本語", row: 0, column: 1, role: .text, limit: 3) == 2)  // the second would straddle the limit
    }
}
