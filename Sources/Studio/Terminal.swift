import Foundation

/// Rows and columns of a terminal.
public struct TerminalSize: Equatable, Sendable {
    public var rows: Int
    public var columns: Int
    public init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
    }
}

/// A picture written straight to the terminal over the cells ncurses owns (sixel, kitty
/// graphics, an iTerm2 image, or ANSI half-block lines), placed at a cell position.
public struct Overlay: Equatable, Sendable {
    public enum Payload: Equatable, Sendable {
        /// A sixel DCS string.
        case sixel([UInt8])
        /// kitty graphics commands that transmit and place the picture (one per payload chunk).
        case kitty([[UInt8]])
        /// An iTerm2 inline image (`OSC 1337 ; File=`).
        case iterm2([UInt8])
        /// One string per row (ANSI half blocks with their SGR sequences).
        case lines([String])

        /// The overlay for an encoded picture; nil for plain text (ASCII shades), which is drawn
        /// as ordinary cells.
        public init?(_ rendered: TerminalImage.Rendered.Payload) {
            switch rendered {
            case let .sixel(bytes): self = .sixel(bytes)
            case let .kitty(commands): self = .kitty(commands)
            case let .iterm2(bytes): self = .iterm2(bytes)
            case let .ansiLines(lines): self = .lines(lines)
            case .textLines: return nil
            }
        }
    }

    /// What the picture is (a new key means new content).
    public var key: String
    /// The cells it covers.
    public var rect: CellRect
    public var payload: Payload

    public init(key: String, rect: CellRect, payload: Payload) {
        self.key = key
        self.rect = rect
        self.payload = payload
    }
}

/// The studio's view of a terminal: what the screen logic needs and nothing more, so tests
/// drive it through `FakeTerminal` without a tty and the real program uses `CursesTerminal`.
///
/// Every method except `wake()` is called from the UI thread only.
public protocol Terminal: AnyObject, Sendable {
    /// The current size in cells.
    var size: TerminalSize { get }
    /// Colours the terminal can show (0 when none; 8, 16, 256…).
    var colorCount: Int { get }
    /// Pixel size of one cell (for sixel), from the terminal or a typical 10×20.
    var cellPixels: (width: Int, height: Int) { get }
    /// Seconds the last overlay write took (the terminal's pace for pictures; the controller
    /// sends new pictures at most every 2× this, so a slow terminal never stalls the keys).
    var overlayWriteSeconds: Double { get }
    /// Uses the theme's colours for the style roles from now on.
    func setTheme(_ theme: Theme)
    /// Waits up to `timeout` seconds for input; returns every key pending (possibly none, when
    /// the timeout passed or `wake()` was called).
    func readKeys(timeout: Double) -> [Key]
    /// Makes a waiting `readKeys` return now. Callable from any thread.
    func wake()
    /// Shows `canvas`, then writes `overlays` on top when `resendOverlays` (always after a full
    /// repaint, which first clears the whole screen).
    func present(_ canvas: Canvas, overlays: [Overlay], fullRepaint: Bool, resendOverlays: Bool)
}
