import Foundation
import Imaging

/// What tmux says about the pane the studio runs in: whether pictures may pass through to the
/// outer terminal (`allow-passthrough`, tmux 3.3+) and where the pane sits there.
public struct TmuxPane: Equatable, Sendable {
    /// `allow-passthrough` is `on` (or `all`) for this pane.
    public var allowsPassthrough: Bool
    /// The pane's top-left cell on the outer terminal.
    public var passthrough: Passthrough

    public init(allowsPassthrough: Bool, passthrough: Passthrough = Passthrough()) {
        self.allowsPassthrough = allowsPassthrough
        self.passthrough = passthrough
    }

    /// Asks tmux (`tmux show -Apv allow-passthrough`, `tmux display -p '#{pane_top} #{pane_left}'`
    /// for `$TMUX_PANE`); nil outside tmux (`TMUX` unset). When tmux cannot be asked (no `tmux`
    /// on PATH, a tmux older than 3.3 without the option), passthrough counts as off.
    public static func ask(environment: [String: String] = ProcessInfo.processInfo.environment) -> TmuxPane? {
        guard let socket = environment["TMUX"], !socket.isEmpty else { return nil }
        var target: [String] = []
        if let pane = environment["TMUX_PANE"], !pane.isEmpty { target = ["-t", pane] }
        let option = run(["show", "-Apv"] + target + ["allow-passthrough"]) ?? ""
        let offset = run(["display", "-p"] + target + ["#{pane_top} #{pane_left}"]) ?? ""
        return parse(allowPassthrough: option, paneOffset: offset)
    }

    /// Reads tmux's answers: the option's value (`on`, `all` or `off`; anything else is off) and
    /// `TOP LEFT`.
    public static func parse(allowPassthrough: String, paneOffset: String) -> TmuxPane {
        let value = allowPassthrough.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let numbers = paneOffset.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int($0) }
        let passthrough = numbers.count == 2 ? Passthrough(paneRow: numbers[0], paneColumn: numbers[1]) : Passthrough()
        return TmuxPane(allowsPassthrough: value == "on" || value == "all", passthrough: passthrough)
    }

    /// Runs `tmux ARGS` (found on PATH) and returns its standard output, or nil when it fails.
    private static func run(_ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["tmux"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
