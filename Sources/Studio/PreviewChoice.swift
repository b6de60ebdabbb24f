import Foundation
import Imaging

/// How pictures reach this terminal: the protocol, tmux's passthrough when the pictures must
/// go through it, and a note for the status line (what was detected, or why pictures fall back
/// to half blocks and how to change that).
public struct PreviewChoice: Equatable, Sendable {
    public var previewProtocol: PreviewProtocol
    /// Set when pictures are wrapped for tmux (the outer terminal draws them).
    public var passthrough: Passthrough?
    /// E.g. "preview: kitty" or "preview: half-blocks (tmux passthrough off: set -g allow-passthrough on)".
    public var note: String?

    public init(previewProtocol: PreviewProtocol, passthrough: Passthrough? = nil, note: String? = nil) {
        self.previewProtocol = previewProtocol
        self.passthrough = passthrough
        self.note = note
    }

    /// What the user reads for a protocol in the notes.
    static func name(_ p: PreviewProtocol) -> String {
        switch p {
        case .truecolor, .ansi256: "half-blocks"
        case .ascii: "ASCII shades"
        case .kitty, .iterm2, .sixel: p.description
        }
    }

    /// Asks tmux (inside tmux) and the terminal (unless `override` is given outside tmux) what
    /// `choose` needs; run it before curses starts. `probe` false: no terminal queries
    /// (standard input or output is not a tty).
    public static func ask(override: PreviewProtocol?, probe: Bool = true,
                           environment: [String: String] = ProcessInfo.processInfo.environment)
        -> (probe: TerminalProbe, tmux: TmuxPane?) {
        let tmux = TmuxPane.ask(environment: environment)
        guard probe && (override == nil || tmux != nil) else { return (TerminalProbe(), tmux) }
        let throughTmux = tmux?.allowsPassthrough ?? false
        // A plain kitty query in tmux would become the pane's title; the Linux console prints it.
        let kittyQuery = tmux == nil && environment["TERM"] != "linux"
        return (TerminalProbe.run(throughTmux: throughTmux, kittyQuery: kittyQuery), tmux)
    }

    /// The choice from the terminal's answers and tmux's settings (`tmux` nil: not in tmux).
    ///
    /// - Outside tmux and screen: `TerminalProbe.choose`; a detected picture protocol is named
    ///   in the note.
    /// - In tmux: tmux's own sixel (tmux ≥ 3.4 built with it, DA1 attribute 4) is used as it is.
    ///   Else with passthrough on, the outer terminal's kitty answer, iTerm2 identity
    ///   (`LC_TERMINAL`, XTVERSION) or sixel (its DA1) is used through passthrough; with it off,
    ///   half blocks, and the note says how to turn it on. `--preview` of a picture protocol
    ///   goes through passthrough when it is on, and falls back to half blocks when it is off.
    /// - In GNU screen (`STY` set): half blocks (screen passes no pictures), unless overridden.
    public static func choose(probe: TerminalProbe, tmux: TmuxPane?, override: PreviewProtocol?, colorCount: Int,
                              environment: [String: String]) -> PreviewChoice {
        let characters = TerminalProbe.characters(colorCount: colorCount, environment: environment)
        let inTmux = tmux != nil || !(environment["TMUX"] ?? "").isEmpty
        guard inTmux else {
            if let override { return PreviewChoice(previewProtocol: override) }
            if environment["STY"] != nil {
                return PreviewChoice(previewProtocol: characters,
                                     note: "preview: \(name(characters)) (GNU screen passes no pictures; tmux with allow-passthrough does)")
            }
            let chosen = probe.choose(override: nil, colorCount: colorCount, environment: environment)
            return PreviewChoice(previewProtocol: chosen, note: chosen.drawsPixels ? "preview: \(name(chosen))" : nil)
        }
        let passthrough = (tmux?.allowsPassthrough ?? false) ? (tmux?.passthrough ?? Passthrough()) : nil
        let offNote = "(tmux passthrough off: set -g allow-passthrough on)"
        if let override {
            guard override.drawsPixels else { return PreviewChoice(previewProtocol: override) }
            if override == .sixel && probe.supportsSixel { return PreviewChoice(previewProtocol: .sixel) }
            guard let passthrough else {
                return PreviewChoice(previewProtocol: characters, note: "preview: \(name(characters)), not \(override) \(offNote)")
            }
            return PreviewChoice(previewProtocol: override, passthrough: passthrough)
        }
        if probe.supportsSixel { return PreviewChoice(previewProtocol: .sixel, note: "preview: sixel (drawn by tmux)") }
        guard let passthrough else {
            return PreviewChoice(previewProtocol: characters, note: "preview: \(name(characters)) \(offNote)")
        }
        let outerVersions = Array(probe.versions.dropFirst())  // the first answer is tmux's own
        let outer: PreviewProtocol?
        if probe.kittyGraphics {
            outer = .kitty
        } else if environment["LC_TERMINAL"] == "iTerm2"
                    || TerminalProbe.speaksITerm2(environment: [:], versions: outerVersions) {
            outer = .iterm2
        } else if probe.outerDeviceAttributes?.contains(4) ?? false {
            outer = .sixel
        } else {
            outer = nil
        }
        guard let outer else { return PreviewChoice(previewProtocol: characters) }
        return PreviewChoice(previewProtocol: outer, passthrough: passthrough, note: "preview: \(outer) (through tmux passthrough)")
    }
}
