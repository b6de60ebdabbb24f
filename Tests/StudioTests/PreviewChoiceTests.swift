import FlowCore
import Foundation
import Imaging
import Testing
@testable import Studio

/// Detection from terminal answers recorded on this machine (kitty 0.26.5 and xterm 379 under
/// Xvfb, tmux 3.3a inside them) to `TerminalProbe.queries`.
@Suite struct PreviewChoiceTests {
    static let kitty = "\u{1B}_Gi=31;OK\u{1B}\\\u{1B}P>|kitty(0.26.5)\u{1B}\\\u{1B}[?62;c"
    static let xtermVT340 = "\u{1B}P>|XTerm(379)\u{1B}\\\u{1B}[?1;0;1024S\u{1B}[?63;1;2;4;6;9;15;16;22;28c"
    static let xterm = "\u{1B}P>|XTerm(379)\u{1B}\\\u{1B}[?1;3S\u{1B}[?64;1;2;6;9;15;16;17;18;21;22;28c"
    /// tmux in kitty, passthrough on: tmux's answers, then kitty's through passthrough.
    static let tmuxInKittyOn = "\u{1B}P>|tmux 3.3a\u{1B}\\\u{1B}[?1;2c\u{1B}_Gi=31;OK\u{1B}\\\u{1B}P>|kitty(0.26.5)\u{1B}\\\u{1B}[?62;c"
    /// tmux in kitty, passthrough off: only tmux answers.
    static let tmuxInKittyOff = "\u{1B}P>|tmux 3.3a\u{1B}\\\u{1B}[?1;2c"
    /// tmux in `xterm -ti vt340`, passthrough on: the outer DA1 has 4 (sixel).
    static let tmuxInXtermOn = "\u{1B}P>|tmux 3.3a\u{1B}\\\u{1B}[?1;2c\u{1B}P>|XTerm(379)\u{1B}\\\u{1B}[?63;1;2;4;6;9;15;16;22;28c"

    func probe(_ text: String) -> TerminalProbe { TerminalProbe.parse(Array(text.utf8)) }

    @Test func probeReadsEveryAnswer() {
        let k = probe(Self.kitty)
        #expect(k.kittyGraphics && k.versions == ["kitty(0.26.5)"] && k.deviceAttributes == [62] && !k.supportsSixel)
        let x = probe(Self.xtermVT340)
        #expect(!x.kittyGraphics && x.versions == ["XTerm(379)"] && x.supportsSixel && x.colorRegisters == 1024)
        let t = probe(Self.tmuxInKittyOn)
        #expect(t.deviceAttributes == [1, 2] && t.outerDeviceAttributes == [62] && t.kittyGraphics)
        #expect(t.versions == ["tmux 3.3a", "kitty(0.26.5)"])
        let off = probe(Self.tmuxInKittyOff)
        #expect(!off.kittyGraphics && off.outerDeviceAttributes == nil)
        // A kitty answer that is an error (or for another image) is not support.
        #expect(!probe("\u{1B}_Gi=31;EINVAL:bad\u{1B}\\\u{1B}[?62;c").kittyGraphics)
        #expect(!probe("\u{1B}_Gi=7;OK\u{1B}\\\u{1B}[?62;c").kittyGraphics)
    }

    @Test func keysTypedDuringTheProbeAreKept() {
        let typed = Array("a red".utf8) + Array(Self.kitty.utf8) + Array(" circle\u{1B}[A".utf8)
        #expect(TerminalProbe.withoutAnswers(typed) == Array("a red circle\u{1B}[A".utf8))
        #expect(TerminalProbe.withoutAnswers(Array(Self.tmuxInXtermOn.utf8)).isEmpty)
        #expect(TerminalProbe.withoutAnswers(Array(Self.xtermVT340.utf8)).isEmpty)
    }

    @Test func queriesAskTheOuterTerminalThroughTmux() {
        let plain = TerminalProbe.queries(throughTmux: false)
        #expect(String(decoding: plain, as: UTF8.self)
                == "\u{1B}_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\u{1B}\\\u{1B}[>0q\u{1B}[?1;1;0S\u{1B}[c")
        #expect(!String(decoding: TerminalProbe.queries(throughTmux: false, kittyQuery: false), as: UTF8.self).contains("\u{1B}_G"))
        let tmux = TerminalProbe.queries(throughTmux: true)
        #expect(Passthrough.unwrap(tmux) == [KittyGraphics.query + Array("\u{1B}[>0q\u{1B}[c".utf8)])
        #expect(String(decoding: tmux, as: UTF8.self).hasSuffix("\u{1B}\\\u{1B}[>0q\u{1B}[?1;1;0S\u{1B}[c"))
    }

    @Test func choiceOutsideTmux() {
        let env = ["TERM": "xterm-256color", "COLORTERM": "truecolor"]
        let kitty = PreviewChoice.choose(probe: probe(Self.kitty), tmux: nil, override: nil, colorCount: 256, environment: env)
        #expect(kitty == PreviewChoice(previewProtocol: .kitty, note: "preview: kitty"))
        let sixel = PreviewChoice.choose(probe: probe(Self.xtermVT340), tmux: nil, override: nil, colorCount: 256, environment: env)
        #expect(sixel == PreviewChoice(previewProtocol: .sixel, note: "preview: sixel"))
        let plain = PreviewChoice.choose(probe: probe(Self.xterm), tmux: nil, override: nil, colorCount: 256, environment: env)
        #expect(plain == PreviewChoice(previewProtocol: .truecolor))
        let forced = PreviewChoice.choose(probe: probe(Self.kitty), tmux: nil, override: .ascii, colorCount: 256, environment: env)
        #expect(forced == PreviewChoice(previewProtocol: .ascii))
        for iterm in [["TERM_PROGRAM": "iTerm.app"], ["LC_TERMINAL": "iTerm2"], ["TERM_PROGRAM": "WezTerm"], ["MLTERM": "3.9.3"]] {
            let c = PreviewChoice.choose(probe: probe(Self.xterm), tmux: nil, override: nil, colorCount: 256, environment: iterm)
            #expect(c.previewProtocol == .iterm2)
        }
        let byVersion = probe("\u{1B}P>|iTerm2 3.5.0\u{1B}\\\u{1B}[?62;4c")
        #expect(PreviewChoice.choose(probe: byVersion, tmux: nil, override: nil, colorCount: 256, environment: [:]).previewProtocol == .iterm2)
        let screen = PreviewChoice.choose(probe: probe(Self.xterm), tmux: nil, override: nil, colorCount: 256, environment: ["STY": "1.pts-0"])
        #expect(screen.previewProtocol == .ansi256 && screen.passthrough == nil && screen.note?.contains("GNU screen") == true)
    }

    @Test func choiceInsideTmux() {
        let env = ["TMUX": "/tmp/tmux-0/default,1,0", "TERM": "tmux-256color", "COLORTERM": "truecolor"]
        let on = TmuxPane(allowsPassthrough: true, passthrough: Passthrough(paneRow: 0, paneColumn: 41))
        let off = TmuxPane(allowsPassthrough: false)
        let kitty = PreviewChoice.choose(probe: probe(Self.tmuxInKittyOn), tmux: on, override: nil, colorCount: 256, environment: env)
        #expect(kitty == PreviewChoice(previewProtocol: .kitty, passthrough: Passthrough(paneRow: 0, paneColumn: 41),
                                       note: "preview: kitty (through tmux passthrough)"))
        let sixel = PreviewChoice.choose(probe: probe(Self.tmuxInXtermOn), tmux: on, override: nil, colorCount: 256, environment: env)
        #expect(sixel.previewProtocol == .sixel && sixel.passthrough != nil)
        let closed = PreviewChoice.choose(probe: probe(Self.tmuxInKittyOff), tmux: off, override: nil, colorCount: 256, environment: env)
        #expect(closed == PreviewChoice(previewProtocol: .truecolor,
                                        note: "preview: half-blocks (tmux passthrough off: set -g allow-passthrough on)"))
        // Passthrough on, but nothing outside answers (a detached session): half blocks, nothing to say.
        let silent = PreviewChoice.choose(probe: probe(Self.tmuxInKittyOff), tmux: on, override: nil, colorCount: 256, environment: env)
        #expect(silent == PreviewChoice(previewProtocol: .truecolor))
        // tmux ≥ 3.4 with sixel draws sixel itself: no passthrough.
        let native = PreviewChoice.choose(probe: probe("\u{1B}[?1;2;4c"), tmux: off, override: nil, colorCount: 256, environment: env)
        #expect(native.previewProtocol == .sixel && native.passthrough == nil)
        // --preview kitty: through passthrough when on; half blocks and the note when off.
        let forcedOn = PreviewChoice.choose(probe: probe(Self.tmuxInKittyOff), tmux: on, override: .kitty, colorCount: 256, environment: env)
        #expect(forcedOn.previewProtocol == .kitty && forcedOn.passthrough != nil)
        let forcedOff = PreviewChoice.choose(probe: probe(Self.tmuxInKittyOff), tmux: off, override: .kitty, colorCount: 256, environment: env)
        #expect(forcedOff.previewProtocol == .truecolor && forcedOff.note?.contains("set -g allow-passthrough on") == true)
        let halfBlocks = PreviewChoice.choose(probe: TerminalProbe(), tmux: off, override: .ansi256, colorCount: 256, environment: env)
        #expect(halfBlocks == PreviewChoice(previewProtocol: .ansi256))
    }

    @Test func tmuxAnswersAreRead() {
        #expect(TmuxPane.parse(allowPassthrough: "on\n", paneOffset: "0 41\n")
                == TmuxPane(allowsPassthrough: true, passthrough: Passthrough(paneRow: 0, paneColumn: 41)))
        #expect(TmuxPane.parse(allowPassthrough: "all\n", paneOffset: "").allowsPassthrough)
        #expect(!TmuxPane.parse(allowPassthrough: "off\n", paneOffset: "3 4").allowsPassthrough)
        #expect(!TmuxPane.parse(allowPassthrough: "", paneOffset: "").allowsPassthrough)  // tmux < 3.3: no such option
        #expect(TmuxPane.ask(environment: [:]) == nil)
    }

    @Test func kittyAndITerm2PicturesDecodeToTheFittedImage() throws {
        let image = RGBImage.testPattern(width: 16, height: 16)
        let cell = (width: 10, height: 20)
        let fit = TerminalImage.fitted(image, protocol: .kitty, columns: 30, rows: 10, cellPixels: cell)
        #expect(fit.width == 192 && fit.height == 192)  // ×12, as sixel
        let kitty = TerminalImage.render(image, protocol: .kitty, columns: 30, rows: 10, cellPixels: cell)
        #expect(kitty.columns == 20 && kitty.rows == 10)
        guard case let .kitty(commands) = kitty.payload else { Issue.record("expected kitty"); return }
        let (keys, png) = try #require(KittyGraphics.reassemble(KittyGraphics.parse(commands.flatMap { $0 })))
        #expect(keys["f"] == "100" && keys["c"] == "20" && keys["r"] == "10" && keys["i"] == String(TerminalImage.kittyImageID))
        #expect(try decodePNG(png) == fit)

        let rgb = TerminalImage.render(image, protocol: .kitty, columns: 30, rows: 10, cellPixels: cell, kittyFormat: .rgb)
        guard case let .kitty(rgbCommands) = rgb.payload else { Issue.record("expected kitty"); return }
        #expect(try #require(KittyGraphics.reassemble(KittyGraphics.parse(rgbCommands.flatMap { $0 }))).data == fit.pixels)

        let iterm = TerminalImage.render(image, protocol: .iterm2, columns: 30, rows: 10, cellPixels: cell)
        guard case let .iterm2(bytes) = iterm.payload else { Issue.record("expected iterm2"); return }
        let (arguments, file) = try #require(ITerm2Image.parse(bytes))
        #expect(arguments["width"] == "20" && arguments["height"] == "10")
        #expect(try decodePNG(file) == fit)
    }

    @Test func printableKittyMakesRoomAndWrapsForTmux() {
        let image = RGBImage.testPattern(width: 8, height: 8)
        let plain = TerminalImage.printable(image, protocol: .kitty, maxColumns: 8, maxRows: 4, cellPixels: (8, 16))
        let text = String(decoding: plain, as: UTF8.self)
        // 64×64 pixels over 8×16-pixel cells: 4 rows reserved, placed, cursor below.
        #expect(text.hasPrefix("\n\n\n\n\u{1B}[4A\u{1B}_Ga=T,f=100,"))
        #expect(text.hasSuffix("\u{1B}[4B\r"))
        let wrapped = TerminalImage.printable(image, protocol: .kitty, maxColumns: 8, maxRows: 4, cellPixels: (8, 16),
                                              passthrough: Passthrough())
        let inner = Passthrough.unwrap(wrapped)
        #expect(inner.count == 1 && KittyGraphics.parse(inner[0]).first?.keys["a"] == "T")
    }

    @Test func overlayBytesPlaceKittyPicturesAndWrapThemForTmux() {
        let commands = [KittyGraphics.command("a=T,f=24,s=1,v=1,m=1", payload: Array("AAAA".utf8)),
                        KittyGraphics.command("m=0", payload: Array("AAAA".utf8))]
        let overlay = Overlay(key: "k", rect: CellRect(row: 2, column: 40, rows: 10, columns: 20), payload: .kitty(commands))
        let plain = CursesTerminal.overlayBytes([overlay], screenRows: 40)
        #expect(String(decoding: plain, as: UTF8.self)
                == "\u{1B}[?2026h\u{1B}7\u{1B}[3;41H" + commands.map { String(decoding: $0, as: UTF8.self) }.joined() + "\u{1B}8\u{1B}[?2026l")
        let tmux = CursesTerminal.overlayBytes([overlay], screenRows: 40, passthrough: Passthrough(paneRow: 1, paneColumn: 5))
        let inner = Passthrough.unwrap(tmux)
        // Each chunk with its cursor move (tmux puts the outer cursor at the top left after each).
        let move = Array("\u{1B}[4;46H".utf8)
        #expect(inner == [move + commands[0], move + commands[1]])
        // Half blocks are tmux's own cells: never wrapped.
        let lines = Overlay(key: "l", rect: CellRect(row: 2, column: 3, rows: 1, columns: 2), payload: .lines(["ab"]))
        #expect(Passthrough.unwrap(CursesTerminal.overlayBytes([lines], screenRows: 40, passthrough: Passthrough())).isEmpty)
        // A picture reaching the last row is left out whole.
        let low = Overlay(key: "k", rect: CellRect(row: 30, column: 0, rows: 10, columns: 20), payload: .kitty(commands))
        #expect(KittyGraphics.parse(CursesTerminal.overlayBytes([low], screenRows: 40)).isEmpty)
        let iterm = Overlay(key: "i", rect: CellRect(row: 0, column: 0, rows: 2, columns: 2), payload: .iterm2(Array("X".utf8)))
        #expect(String(decoding: CursesTerminal.overlayBytes([iterm], screenRows: 40), as: UTF8.self).contains("\u{1B}[1;1HX"))
    }

    func decodePNG(_ bytes: [UInt8]) throws -> RGBImage {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("flowstudio-preview-\(UUID().uuidString).png")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(bytes).write(to: url)
        return try PNG.read(from: url).image
    }
}
