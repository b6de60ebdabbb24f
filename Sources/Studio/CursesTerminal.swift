import CNcurses
import Foundation
import Imaging

/// The real terminal: ncursesw for cells and keys (wide characters through `get_wch`), plus
/// raw writes for image overlays after `doupdate()`.
///
/// Created and used on one thread (the UI thread); only `wake()` may be called from others
/// (it writes a byte to a self-pipe that `readKeys` polls together with standard input).
public final class CursesTerminal: Terminal, @unchecked Sendable {
    // @unchecked: all state is touched from the UI thread only; `wakeWrite` is a plain fd.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private var pairs: [StyleRole: (pair: Int32, attrs: attr_t)] = [:]
    private var pasteBuffer: String?
    private var active = true
    public private(set) var colorCount: Int
    public private(set) var overlayWriteSeconds = 0.0
    public private(set) var cellPixels: (width: Int, height: Int)
    private let fallbackCell: (width: Int, height: Int)
    /// Inside tmux with passthrough: pictures (not half blocks) go to the outer terminal wrapped.
    public var passthrough: Passthrough?
    /// A kitty picture is on the screen (it stays over the cells until deleted).
    private var kittyShown = false

    /// Key codes ncurses returns for the bracketed-paste markers (defined with `define_key`).
    static let pasteStartCode: Int32 = 1000
    static let pasteEndCode: Int32 = 1001
    /// What is written on every exit path after `endwin` (bracketed paste off, cursor shown, colours reset).
    static let restoreSequence = "\u{1B}[?2004l\u{1B}[?25h\u{1B}[0m"

    /// Opens the screen. Throws when the terminal type is unknown to terminfo or standard
    /// input/output is not a terminal.
    public init(fallbackCellPixels: (width: Int, height: Int) = (10, 20)) throws {
        guard isatty(0) == 1, isatty(1) == 1 else { throw CursesError.notATerminal }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw CursesError.cannotStart("pipe() failed: \(String(cString: strerror(errno)))") }
        wakeRead = fds[0]
        wakeWrite = fds[1]
        _ = fcntl(wakeRead, F_SETFL, fcntl(wakeRead, F_GETFL) | O_NONBLOCK)
        _ = fcntl(wakeWrite, F_SETFL, fcntl(wakeWrite, F_GETFL) | O_NONBLOCK)
        fallbackCell = fallbackCellPixels
        cellPixels = fallbackCellPixels
        colorCount = 0

        setlocale(LC_ALL, "")
        cn_set_restore_sequence(CursesTerminal.restoreSequence)
        cn_install_restore_handlers()
        let started = cn_start_screen()
        guard started == 0 else {
            let term = ProcessInfo.processInfo.environment["TERM"] ?? "(unset)"
            if started == -2 {
                throw CursesError.cannotStart("the terminal type TERM=\(term) cannot move the cursor, so the studio cannot draw; run it in a terminal emulator (TERM=xterm-256color), or use `flowstudio generate PROMPT --show`")
            }
            throw CursesError.cannotStart("ncurses does not know the terminal type TERM=\(term); try TERM=xterm-256color")
        }
        cn_set_curses_active(1)
        raw()
        noecho()
        nonl()
        let win = cn_stdscr()
        keypad(win, true)
        nodelay(win, true)
        set_escdelay(25)
        idcok(win, false)  // no insert/delete-character: they would shift overlay images sideways
        idlok(win, false)  // no insert/delete-line scrolling either
        scrollok(win, false)
        if has_colors() {
            start_color()
            use_default_colors()
            colorCount = Int(cn_colors())
        }
        define_key("\u{1B}[200~", CursesTerminal.pasteStartCode)
        define_key("\u{1B}[201~", CursesTerminal.pasteEndCode)
        writeAll(Array("\u{1B}[?2004h".utf8))  // bracketed paste
        updateCellPixels()
    }

    /// Puts `bytes` (keys typed before the screen opened, `TerminalProbe.typedAhead`) back in
    /// front of the input, so the next `readKeys` returns them; at most 100 (ncurses' queue).
    public func pushBack(_ bytes: [UInt8]) {
        for byte in bytes.prefix(100).reversed() { ungetch(Int32(byte)) }
    }

    /// Restores the terminal (idempotent).
    public func shutdown() {
        guard active else { return }
        active = false
        deleteKittyPicture()
        writeAll(Array("\u{1B}[?2004l".utf8))
        endwin()
        cn_set_curses_active(0)
        writeAll(Array("\u{1B}[?25h\u{1B}[0m".utf8))
    }

    deinit {
        shutdown()
        close(wakeRead)
        close(wakeWrite)
    }

    public var size: TerminalSize {
        TerminalSize(rows: Int(cn_lines()), columns: Int(cn_cols()))
    }

    func updateCellPixels() {
        var rows: Int32 = 0, cols: Int32 = 0, xp: Int32 = 0, yp: Int32 = 0
        if cn_winsize(1, &rows, &cols, &xp, &yp) == 0, rows > 0, cols > 0, xp > 0, yp > 0 {
            cellPixels = (max(1, Int(xp / cols)), max(1, Int(yp / rows)))
        } else {
            cellPixels = fallbackCell
        }
    }

    // MARK: Colours

    public func setTheme(_ theme: Theme) {
        pairs = [:]
        let direct = colorCount > 256
        for (i, role) in StyleRole.allCases.enumerated() {
            let style = theme.resolved(role, colors: direct ? 256 : colorCount)
            var attrs = cn_attr_normal()
            if style.bold { attrs |= cn_attr_bold() }
            if style.underline { attrs |= cn_attr_underline() }
            if style.reverse { attrs |= cn_attr_reverse() }
            var pair: Int32 = 0
            if colorCount >= 8 && i + 1 < Int(cn_color_pairs()) {
                pair = Int32(i + 1)
                var fg = Int32(style.foreground), bg = Int32(style.background)
                if direct {
                    // Direct-colour terminfo: colour numbers are 0xRRGGBB.
                    let s = theme.style(role)
                    if let c = s.foreground.rgbValue { fg = Int32(c.r) << 16 | Int32(c.g) << 8 | Int32(c.b) }
                    if let c = s.background.rgbValue { bg = Int32(c.r) << 16 | Int32(c.g) << 8 | Int32(c.b) }
                }
                init_extended_pair(pair, fg, bg)
            }
            pairs[role] = (pair, attrs)
        }
    }

    // MARK: Input

    public func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    public func readKeys(timeout: Double) -> [Key] {
        var fds = [pollfd(fd: 0, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        let ms = Int32(max(0, min(timeout, 60)) * 1000)
        _ = poll(&fds, 2, ms)  // EINTR (SIGWINCH) just falls through to reading
        var drain = [UInt8](repeating: 0, count: 64)
        while read(wakeRead, &drain, drain.count) > 0 {}
        var keys = readPending()
        // A paste that has not ended yet: keep reading briefly so it arrives in one piece.
        var waited = 0
        while pasteBuffer != nil && waited < 40 {
            var input = [pollfd(fd: 0, events: Int16(POLLIN), revents: 0)]
            _ = poll(&input, 1, 25)
            keys += readPending()
            waited += 1
        }
        if let pending = pasteBuffer, waited >= 40 {
            keys.append(.paste(pending))
            pasteBuffer = nil
        }
        return keys
    }

    private func readPending() -> [Key] {
        var keys: [Key] = []
        var ch: UInt32 = 0
        while true {
            let r = cn_get_wch(&ch)
            if r == ERR { break }
            if r == KEY_CODE_YES {
                if Int32(ch) == CursesTerminal.pasteStartCode {
                    pasteBuffer = ""
                } else if Int32(ch) == CursesTerminal.pasteEndCode {
                    if let text = pasteBuffer { keys.append(.paste(text)) }
                    pasteBuffer = nil
                } else if let key = keyForCode(Int32(ch)) {
                    if key == .resize { updateCellPixels() }
                    keys.append(key)
                }
                continue
            }
            if pasteBuffer != nil {
                if let scalar = Unicode.Scalar(ch) {
                    pasteBuffer!.unicodeScalars.append(scalar == "\r" ? "\n" : scalar)
                }
                continue
            }
            if ch == 0x1B {
                // Alt-x arrives as ESC followed at once by x; a lone ESC is the Esc key.
                var next: UInt32 = 0
                let r2 = cn_get_wch(&next)
                if r2 == OK && next < 0x20 && next != 0x0D && next != 0x0A && next != 0x08 && next != 0x1B {
                    // ESC then a control key (e.g. Esc pressed just before Ctrl-Q): two keys.
                    keys.append(.escape)
                    if let key = Key.fromControlByte(next) { keys.append(key) }
                } else if r2 == OK {
                    switch next {
                    case 0x7F, 0x08: keys.append(.altBackspace)
                    case 0x0D, 0x0A: keys.append(.alt("\n"))
                    case 0x1B: keys.append(.escape); keys.append(.escape)
                    default:
                        if let scalar = Unicode.Scalar(next) { keys.append(.alt(Character(scalar))) }
                    }
                } else if r2 == KEY_CODE_YES {
                    keys.append(.escape)
                    if let key = keyForCode(Int32(next)) { keys.append(key) }
                } else {
                    keys.append(.escape)
                }
                continue
            }
            if let key = Key.fromControlByte(ch) {
                keys.append(key)
            } else if let scalar = Unicode.Scalar(ch), ch >= 0x20 {
                keys.append(.character(Character(scalar)))
            }
        }
        return keys
    }

    private func keyForCode(_ code: Int32) -> Key? {
        switch code {
        case KEY_RESIZE: return .resize
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_DC: return .delete
        case KEY_BACKSPACE: return .backspace
        case KEY_ENTER: return .enter
        case KEY_BTAB: return .backTab
        case KEY_SLEFT: return .shiftLeft
        case KEY_SRIGHT: return .shiftRight
        default: break
        }
        for n in 1...12 where code == cn_key_f(Int32(n)) { return .function(n) }
        if let name = keyname(code).map({ String(cString: $0) }) {
            switch name {
            case "kLFT5", "kLFT3": return .wordLeft
            case "kRIT5", "kRIT3": return .wordRight
            default: return nil
            }
        }
        return nil
    }

    // MARK: Output

    public func present(_ canvas: Canvas, overlays: [Overlay], fullRepaint: Bool, resendOverlays: Bool) {
        let rows = min(canvas.rows, Int(cn_lines())), cols = min(canvas.columns, Int(cn_cols()))
        for row in 0..<rows {
            for run in canvas.runs(row: row) where run.column < cols {
                let style = pairs[run.role] ?? (0, cn_attr_normal())
                cn_attr_set(style.attrs, style.pair)
                _ = run.text.withCString { cn_mvaddstr(Int32(row), Int32(run.column), $0) }
            }
        }
        cn_attr_set(cn_attr_normal(), 0)
        if let cursor = canvas.cursor, cursor.row < rows, cursor.column < cols {
            curs_set(1)
            move(Int32(cursor.row), Int32(cursor.column))
        } else {
            curs_set(0)
        }
        if fullRepaint { clearok(cn_curscr(), true) }
        // A kitty picture is not part of the cells: a repaint (resize, a pane cleared) or a
        // screen without it must delete it, or it would stay over the new text.
        let kittyNext = overlays.contains { if case .kitty = $0.payload { true } else { false } }
        if kittyShown && (fullRepaint || !kittyNext) { deleteKittyPicture() }
        wnoutrefresh(cn_stdscr())
        doupdate()
        guard (fullRepaint || resendOverlays) && !overlays.isEmpty else { return }
        let start = DispatchTime.now().uptimeNanoseconds
        writeAll(CursesTerminal.overlayBytes(overlays, screenRows: rows, passthrough: passthrough))
        if kittyNext { kittyShown = true }
        overlayWriteSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Deletes the studio's kitty picture (and frees its data in the terminal) if one is shown.
    private func deleteKittyPicture() {
        guard kittyShown else { return }
        kittyShown = false
        let delete = KittyGraphics.delete(imageID: TerminalImage.kittyImageID)
        writeAll(passthrough == nil ? delete : Passthrough.wrap(delete))
    }

    /// Synchronized update, save cursor, each overlay at its place, restore cursor. Lines of an
    /// overlay that would reach the last screen row are left out (a write there could scroll);
    /// a picture (sixel, kitty, iTerm2) that would reach it is left out whole.
    /// With `passthrough` (tmux), pictures go to the outer terminal inside tmux's passthrough
    /// wrapper, one wrapper per kitty chunk, each with the cursor move that places the picture.
    static func overlayBytes(_ overlays: [Overlay], screenRows: Int, passthrough: Passthrough? = nil) -> [UInt8] {
        var out = Array("\u{1B}[?2026h\u{1B}7".utf8)
        // A picture: the cursor move and its sequences, plain or wrapped for tmux.
        func picture(_ rect: CellRect, prefix: String = "", _ sequences: [[UInt8]]) {
            guard rect.bottom < screenRows else { return }
            if let passthrough {
                // After each passthrough tmux 3.3 moves the outer cursor to the top left
                // (tty_invalidate), so every wrapped piece carries its own cursor move: kitty
                // places a chunked picture where the cursor is when the last chunk arrives.
                let move = Array(prefix.utf8) + passthrough.cursorMove(row: rect.row, column: rect.column)
                for sequence in sequences { out += Passthrough.wrap(move + sequence) }
            } else {
                out += Array("\(prefix)\u{1B}[\(rect.row + 1);\(rect.column + 1)H".utf8)
                for sequence in sequences { out += sequence }
            }
        }
        for overlay in overlays {
            switch overlay.payload {
            case let .sixel(bytes):
                // DECSDM off (`?80l`): sixels are drawn at the cursor (with it on, xterm puts
                // them at the top-left corner of the screen).
                picture(overlay.rect, prefix: "\u{1B}[?80l", [bytes])
            case let .kitty(commands):
                picture(overlay.rect, commands)
            case let .iterm2(bytes):
                picture(overlay.rect, [bytes])
            case let .lines(lines):
                for (i, line) in lines.enumerated() where overlay.rect.row + i < screenRows - 1 {
                    out += Array("\u{1B}[\(overlay.rect.row + i + 1);\(overlay.rect.column + 1)H".utf8)
                    out += Array(line.utf8)
                }
            }
        }
        out += Array("\u{1B}8\u{1B}[?2026l".utf8)
        return out
    }

    private func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(1, raw.baseAddress! + offset, raw.count - offset)
                if n > 0 {
                    offset += n
                } else if n < 0 && (errno == EINTR || errno == EAGAIN) {
                    var out = [pollfd(fd: 1, events: Int16(POLLOUT), revents: 0)]
                    _ = poll(&out, 1, 100)
                } else {
                    return
                }
            }
        }
    }
}

/// Why the screen could not be opened.
public enum CursesError: Error, CustomStringConvertible {
    case notATerminal
    case cannotStart(String)

    public var description: String {
        switch self {
        case .notATerminal: "the studio needs a terminal: standard input and output must be a tty (use `flowstudio generate` in scripts)"
        case let .cannotStart(why): "cannot start the screen: \(why)"
        }
    }
}
