import Foundation
import Imaging

/// What the terminal says about itself, asked before curses starts: kitty's graphics query
/// (`a=q`), XTVERSION (`CSI > 0 q`, the terminal's name and version), XTSMGRAPHICS for the
/// number of sixel colour registers, then DA1 (`ESC[c`), which every terminal answers and so
/// fences the other replies. A DA1 attribute 4 means sixel graphics.
///
/// Inside tmux with passthrough on, the kitty query, XTVERSION and DA1 are also sent through
/// to the outer terminal; its replies come after tmux's own (a second DA1 reply).
public struct TerminalProbe: Equatable, Sendable {
    /// DA1 attributes (e.g. `[63, 1, 2, 4, 6, 9, 15, 16, 22, 28]` from `xterm -ti vt340`); nil
    /// when the terminal did not answer in time. Inside tmux: tmux's own answer.
    public var deviceAttributes: [Int]?
    /// Sixel colour registers from XTSMGRAPHICS, when answered.
    public var colorRegisters: Int?
    /// The terminal answered kitty's graphics query with OK (directly or through tmux).
    public var kittyGraphics: Bool
    /// The XTVERSION answers in order (e.g. `["tmux 3.3a", "kitty(0.26.5)"]`).
    public var versions: [String]
    /// The outer terminal's DA1 attributes, answered through tmux's passthrough.
    public var outerDeviceAttributes: [Int]?
    /// Bytes read during the probe that were no answer: keys typed while the program started
    /// (the studio hands them to curses, so that they are not lost). Empty when the answers
    /// were incomplete (what was read may then hold the start of a late answer).
    public var typedAhead: [UInt8] = []

    public init(deviceAttributes: [Int]? = nil, colorRegisters: Int? = nil, kittyGraphics: Bool = false,
                versions: [String] = [], outerDeviceAttributes: [Int]? = nil) {
        self.deviceAttributes = deviceAttributes
        self.colorRegisters = colorRegisters
        self.kittyGraphics = kittyGraphics
        self.versions = versions
        self.outerDeviceAttributes = outerDeviceAttributes
    }

    /// The terminal itself draws sixel (DA1 attribute 4; inside tmux: tmux ≥ 3.4 built with sixel).
    public var supportsSixel: Bool { deviceAttributes?.contains(4) ?? false }

    /// The queries sent, in order. `throughTmux`: the kitty query, XTVERSION and DA1 also go to
    /// the outer terminal in tmux's passthrough (before tmux's own queries, whose DA1 comes last).
    /// `kittyQuery` false leaves out the plain kitty query (the Linux console would print it;
    /// tmux 3.3 would take it, an APC string, as the pane's title).
    public static func queries(throughTmux: Bool, kittyQuery: Bool = true) -> [UInt8] {
        let kitty = kittyQuery ? KittyGraphics.query : []
        let version = Array("\u{1B}[>0q".utf8)
        let colors = Array("\u{1B}[?1;1;0S".utf8)
        let da1 = Array("\u{1B}[c".utf8)
        if throughTmux {
            return Passthrough.wrap(KittyGraphics.query + version + da1) + version + colors + da1
        }
        return kitty + version + colors + da1
    }

    /// Sends the queries on `output` and reads the replies from `input` in raw mode, waiting at
    /// most `timeout` seconds for the DA1 reply (both DA1 replies when `throughTmux`). Returns
    /// an empty probe when input is not a tty. `kittyQuery` false: no plain kitty query (inside
    /// tmux without passthrough, or on the Linux console, which would print it).
    public static func run(input: Int32 = 0, output: Int32 = 1, timeout: Double = 0.5, throughTmux: Bool = false,
                           kittyQuery: Bool = true) -> TerminalProbe {
        guard isatty(input) == 1, isatty(output) == 1 else { return TerminalProbe() }
        var saved = termios()
        guard tcgetattr(input, &saved) == 0 else { return TerminalProbe() }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 0
            cc[Int(VTIME)] = 0
        }
        tcsetattr(input, TCSANOW, &raw)
        defer { tcsetattr(input, TCSANOW, &saved) }

        let query = queries(throughTmux: throughTmux, kittyQuery: kittyQuery)
        _ = query.withUnsafeBytes { write(output, $0.baseAddress!, $0.count) }
        let expected = throughTmux ? 2 : 1
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 256)
        while Date() < deadline {
            var fds = [pollfd(fd: input, events: Int16(POLLIN), revents: 0)]
            let ms = Int32(max(1, deadline.timeIntervalSinceNow * 1000))
            guard poll(&fds, 1, ms) > 0 else { continue }
            let n = read(input, &buffer, buffer.count)
            if n > 0 { received += buffer[0..<n] }
            if deviceAttributeReplies(received).count >= expected { break }
        }
        var probe = parse(received)
        if deviceAttributeReplies(received).count < expected {
            tcflush(input, TCIFLUSH)  // drop late, partial replies
        } else {
            probe.typedAhead = withoutAnswers(received)
        }
        return probe
    }

    /// Reads the replies in `bytes`: `ESC[?…c` (DA1; a second one is the outer terminal's,
    /// through tmux), `ESC[?1;0;N S` (XTSMGRAPHICS colours), `ESC P >| NAME ESC \` (XTVERSION)
    /// and `ESC _G i=31;OK ESC \` (kitty graphics).
    public static func parse(_ bytes: [UInt8]) -> TerminalProbe {
        var probe = TerminalProbe()
        let replies = deviceAttributeReplies(bytes)
        probe.deviceAttributes = replies.first
        probe.outerDeviceAttributes = replies.count > 1 ? replies[1] : nil
        var i = 0
        while i + 2 < bytes.count {
            guard bytes[i] == 0x1B, bytes[i + 1] == 0x5B, bytes[i + 2] == 0x3F else { i += 1; continue }  // ESC [ ?
            var j = i + 3
            while j < bytes.count, (bytes[j] >= 0x30 && bytes[j] <= 0x39) || bytes[j] == 0x3B { j += 1 }
            guard j < bytes.count else { break }
            let numbers = String(decoding: bytes[(i + 3)..<j], as: UTF8.self).split(separator: ";").compactMap { Int($0) }
            if bytes[j] == 0x53, numbers.count >= 3, numbers[0] == 1, numbers[1] == 0 { probe.colorRegisters = numbers[2] }  // S
            i = j + 1
        }
        probe.kittyGraphics = KittyGraphics.parse(bytes).contains {
            $0.keys["i"] == String(KittyGraphics.queryImageID) && $0.payload.starts(with: Array("OK".utf8))
        }
        probe.versions = versionReplies(bytes)
        return probe
    }

    /// `bytes` without the answers `parse` reads (CSI `?…c`, CSI `?…S`, DCS `>|…` ST, APC `G…` ST).
    static func withoutAnswers(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x1B, i + 2 < bytes.count, bytes[i + 1] == 0x5B, bytes[i + 2] == 0x3F {  // ESC [ ?
                var j = i + 3
                while j < bytes.count, (bytes[j] >= 0x30 && bytes[j] <= 0x39) || bytes[j] == 0x3B { j += 1 }
                if j < bytes.count, bytes[j] == 0x63 || bytes[j] == 0x53 { i = j + 1; continue }
            }
            if bytes[i] == 0x1B, i + 2 < bytes.count,
               (bytes[i + 1] == 0x50 && bytes[i + 2] == 0x3E) || (bytes[i + 1] == 0x5F && bytes[i + 2] == 0x47) {  // ESC P > | ESC _ G
                var j = i + 3
                while j + 1 < bytes.count, !(bytes[j] == 0x1B && bytes[j + 1] == 0x5C) { j += 1 }
                if j + 1 < bytes.count { i = j + 2; continue }
            }
            out.append(bytes[i])
            i += 1
        }
        return out
    }

    /// The attribute lists of every DA1 reply `ESC [ ? … c` in `bytes`, in order.
    static func deviceAttributeReplies(_ bytes: [UInt8]) -> [[Int]] {
        var replies: [[Int]] = []
        var i = 0
        while i + 2 < bytes.count {
            guard bytes[i] == 0x1B, bytes[i + 1] == 0x5B, bytes[i + 2] == 0x3F else { i += 1; continue }
            var j = i + 3
            while j < bytes.count, (bytes[j] >= 0x30 && bytes[j] <= 0x39) || bytes[j] == 0x3B { j += 1 }
            guard j < bytes.count else { break }
            if bytes[j] == 0x63 {  // c
                replies.append(String(decoding: bytes[(i + 3)..<j], as: UTF8.self).split(separator: ";").compactMap { Int($0) })
            }
            i = j + 1
        }
        return replies
    }

    /// The texts of every XTVERSION reply `ESC P > | TEXT ESC \` in `bytes`, in order.
    static func versionReplies(_ bytes: [UInt8]) -> [String] {
        var texts: [String] = []
        var i = 0
        while i + 3 < bytes.count {
            guard bytes[i] == 0x1B, bytes[i + 1] == 0x50, bytes[i + 2] == 0x3E, bytes[i + 3] == 0x7C else { i += 1; continue }
            var j = i + 4
            while j + 1 < bytes.count, !(bytes[j] == 0x1B && bytes[j + 1] == 0x5C) { j += 1 }
            guard j + 1 < bytes.count else { break }
            texts.append(String(decoding: bytes[(i + 4)..<j], as: UTF8.self))
            i = j + 2
        }
        return texts
    }

    /// The preview protocol to use when not inside a multiplexer: `override` when given; else
    /// kitty when the terminal answered kitty's query; else iTerm2 when the terminal says it is
    /// iTerm2, WezTerm or mlterm (`TERM_PROGRAM`, `LC_TERMINAL`, XTVERSION); else sixel when DA1
    /// says so; else 24-bit half blocks when `COLORTERM` is `truecolor`/`24bit`; else 256-colour
    /// half blocks when the terminal has 256 colours (or `TERM` says `256color`); else ASCII.
    public func choose(override: PreviewProtocol?, colorCount: Int,
                       environment: [String: String] = ProcessInfo.processInfo.environment) -> PreviewProtocol {
        if let override { return override }
        if kittyGraphics { return .kitty }
        if Self.speaksITerm2(environment: environment, versions: versions) { return .iterm2 }
        if supportsSixel { return .sixel }
        return Self.characters(colorCount: colorCount, environment: environment)
    }

    /// Half blocks or ASCII shades, by what the terminal's colours allow.
    static func characters(colorCount: Int, environment: [String: String]) -> PreviewProtocol {
        let colorterm = (environment["COLORTERM"] ?? "").lowercased()
        if colorterm == "truecolor" || colorterm == "24bit" { return .truecolor }
        if colorCount >= 256 || (environment["TERM"] ?? "").contains("256color") { return .ansi256 }
        return .ascii
    }

    /// iTerm2's inline images are known to work: iTerm2 (`TERM_PROGRAM=iTerm.app`,
    /// `LC_TERMINAL=iTerm2`), WezTerm (`TERM_PROGRAM=WezTerm`), mlterm (`MLTERM` set, or
    /// `TERM=mlterm`), or an XTVERSION answer naming one of them.
    static func speaksITerm2(environment: [String: String], versions: [String]) -> Bool {
        let program = environment["TERM_PROGRAM"] ?? ""
        if program == "iTerm.app" || program == "WezTerm" || environment["LC_TERMINAL"] == "iTerm2" { return true }
        if environment["MLTERM"] != nil || environment["TERM"] == "mlterm" { return true }
        return versions.contains { v in ["iTerm2", "WezTerm", "mlterm"].contains { v.hasPrefix($0) } }
    }
}
