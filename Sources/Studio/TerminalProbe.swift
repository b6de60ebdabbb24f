import Foundation
import Imaging

/// What the terminal says about itself, asked before curses starts: XTSMGRAPHICS for the
/// number of sixel colour registers, then DA1 (`ESC[c`), which every terminal answers and so
/// fences the other replies. A DA1 attribute 4 means sixel graphics.
public struct TerminalProbe: Equatable, Sendable {
    /// DA1 attributes (e.g. `[63, 1, 2, 4, 6, 9, 15, 16, 22, 28]` from `xterm -ti vt340`); nil
    /// when the terminal did not answer in time.
    public var deviceAttributes: [Int]?
    /// Sixel colour registers from XTSMGRAPHICS, when answered.
    public var colorRegisters: Int?

    public init(deviceAttributes: [Int]? = nil, colorRegisters: Int? = nil) {
        self.deviceAttributes = deviceAttributes
        self.colorRegisters = colorRegisters
    }

    public var supportsSixel: Bool { deviceAttributes?.contains(4) ?? false }

    /// Sends the queries on `output` and reads the replies from `input` in raw mode, waiting at
    /// most `timeout` seconds for the DA1 reply. Returns an empty probe when input is not a tty.
    public static func run(input: Int32 = 0, output: Int32 = 1, timeout: Double = 0.5) -> TerminalProbe {
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

        let query = Array("\u{1B}[?1;1;0S\u{1B}[c".utf8)
        _ = query.withUnsafeBytes { write(output, $0.baseAddress!, $0.count) }
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 256)
        while Date() < deadline {
            var fds = [pollfd(fd: input, events: Int16(POLLIN), revents: 0)]
            let ms = Int32(max(1, deadline.timeIntervalSinceNow * 1000))
            guard poll(&fds, 1, ms) > 0 else { continue }
            let n = read(input, &buffer, buffer.count)
            if n > 0 { received += buffer[0..<n] }
            if parse(received).deviceAttributes != nil { break }
        }
        let probe = parse(received)
        if probe.deviceAttributes == nil { tcflush(input, TCIFLUSH) }  // drop late, partial replies
        return probe
    }

    /// Reads the replies in `bytes`: `ESC[?…c` (DA1) and `ESC[?1;0;N S` (XTSMGRAPHICS colours).
    public static func parse(_ bytes: [UInt8]) -> TerminalProbe {
        var probe = TerminalProbe()
        var i = 0
        while i + 2 < bytes.count {
            guard bytes[i] == 0x1B, bytes[i + 1] == 0x5B, bytes[i + 2] == 0x3F else { i += 1; continue }  // ESC [ ?
            var j = i + 3
            while j < bytes.count, (bytes[j] >= 0x30 && bytes[j] <= 0x39) || bytes[j] == 0x3B { j += 1 }
            guard j < bytes.count else { break }
            let numbers = String(decoding: bytes[(i + 3)..<j], as: UTF8.self).split(separator: ";").compactMap { Int($0) }
            switch bytes[j] {
            case 0x63:  // c
                probe.deviceAttributes = numbers
            case 0x53:  // S
                if numbers.count >= 3, numbers[0] == 1, numbers[1] == 0 { probe.colorRegisters = numbers[2] }
            default:
                break
            }
            i = j + 1
        }
        return probe
    }

    /// The preview protocol to use: `override` when given; else sixel when DA1 says so; else
    /// 24-bit half blocks when `COLORTERM` is `truecolor`/`24bit`; else 256-colour half blocks
    /// when the terminal has 256 colours (or `TERM` says `256color`); else ASCII shades.
    public func choose(override: PreviewProtocol?, colorCount: Int,
                       environment: [String: String] = ProcessInfo.processInfo.environment) -> PreviewProtocol {
        if let override { return override }
        if supportsSixel { return .sixel }
        let colorterm = (environment["COLORTERM"] ?? "").lowercased()
        if colorterm == "truecolor" || colorterm == "24bit" { return .truecolor }
        if colorCount >= 256 || (environment["TERM"] ?? "").contains("256color") { return .ansi256 }
        return .ascii
    }
}
