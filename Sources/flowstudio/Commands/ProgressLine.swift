import Foundation

/// Progress on stderr. On a terminal, one line redrawn in place; into a file or a pipe (a
/// training log, CI), whole lines at most every `interval` seconds, so that the log stays
/// readable instead of holding one endless line of carriage returns.
final class ProgressLine {
    private let isTerminal = isatty(2) != 0
    private let interval: Double
    private var lastWritten = -Double.infinity
    /// A terminal line is being redrawn and not yet closed with a newline.
    private var lineOpen = false

    init(interval: Double = 10) {
        self.interval = interval
    }

    /// Shows `text`. With `keep`, the line stays on screen (a terminal moves on to a new line)
    /// and is always written to a log.
    func update(_ text: String, keep: Bool = false) {
        if isTerminal {
            write("\r" + text + "\u{1B}[K" + (keep ? "\n" : ""))
            lineOpen = !keep
            return
        }
        let now = ProcessInfo.processInfo.systemUptime
        if keep || now - lastWritten >= interval {
            write(text + "\n")
            lastWritten = now
        }
    }

    /// `[█████·····] 12/28 label`; the last one stays.
    func update(done: Int, total: Int, label: String) {
        let width = 30
        let filled = total > 0 ? width * min(done, total) / total : width
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        update("[\(bar)] \(done)/\(total)" + (label.isEmpty ? "" : " " + label), keep: done >= total)
    }

    /// Ends the progress: a terminal's redrawn line is closed with a newline.
    func finish() {
        if lineOpen { write("\n") }
        lineOpen = false
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
