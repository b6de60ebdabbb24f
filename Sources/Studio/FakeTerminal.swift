import Foundation

/// A terminal in memory for tests and the latency harness: keys are injected from any thread,
/// the last presented screen and overlays are kept for inspection.
public final class FakeTerminal: Terminal, @unchecked Sendable {
    // @unchecked: every mutable property is guarded by `condition`.
    private let condition = NSCondition()
    private var pendingKeys: [Key] = []
    private var woken = false
    private var currentSize: TerminalSize
    private var lastCanvas: Canvas
    private var lastOverlays: [Overlay] = []
    private var presents = 0
    private var repaints = 0
    private var overlaySends = 0
    private var themeName = ""
    public let colorCount: Int
    private var overlayCost = 0.0
    public let cellPixels: (width: Int, height: Int)
    /// Called (on the UI thread) after every `present`, with the canvas and overlays: the latency harness
    /// timestamps frames here.
    public var onPresent: (@Sendable (Canvas, [Overlay]) -> Void)?

    public init(rows: Int = 40, columns: Int = 120, colorCount: Int = 256, cellPixels: (width: Int, height: Int) = (10, 20)) {
        currentSize = TerminalSize(rows: rows, columns: columns)
        lastCanvas = Canvas(rows: 0, columns: 0)
        self.colorCount = colorCount
        self.cellPixels = cellPixels
    }

    // MARK: Test side

    /// Queues keys as if typed.
    public func send(_ keys: Key...) { send(keys) }

    public func send(_ keys: [Key]) {
        condition.lock()
        pendingKeys += keys
        condition.broadcast()
        condition.unlock()
    }

    /// Types `text` one character at a time.
    public func type(_ text: String) { send(text.map { Key.character($0) }) }

    /// Changes the size and queues a resize key, as SIGWINCH would.
    public func resize(rows: Int, columns: Int) {
        condition.lock()
        currentSize = TerminalSize(rows: rows, columns: columns)
        pendingKeys.append(.resize)
        condition.broadcast()
        condition.unlock()
    }

    /// The last presented screen.
    public var canvas: Canvas { locked { lastCanvas } }
    /// The overlays shown with the last presented screen.
    public var overlays: [Overlay] { locked { lastOverlays } }
    public var presentCount: Int { locked { presents } }
    public var fullRepaintCount: Int { locked { repaints } }
    /// How many times overlays were written.
    public var overlaySendCount: Int { locked { overlaySends } }

    /// Waits until `predicate` holds for the presented screen (checked after every present),
    /// at most `timeout` seconds; returns whether it held.
    @discardableResult
    public func waitUntil(timeout: Double = 20, _ predicate: (Canvas, [Overlay]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while !predicate(lastCanvas, lastOverlays) {
            if !condition.wait(until: deadline) { return predicate(lastCanvas, lastOverlays) }
        }
        return true
    }

    /// Waits until the screen contains `text`.
    @discardableResult
    public func waitFor(_ text: String, timeout: Double = 20) -> Bool {
        waitUntil(timeout: timeout) { canvas, _ in canvas.text.contains(text) }
    }

    // MARK: Terminal

    public var size: TerminalSize { locked { currentSize } }

    /// How long a picture write "takes" (0 by default: every frame is sent); tests set it to
    /// see the controller pace pictures for a slow terminal.
    public var overlayWriteSeconds: Double {
        get { locked { overlayCost } }
        set { locked { overlayCost = newValue } }
    }

    public func setTheme(_ theme: Theme) { locked { themeName = theme.name } }

    public func readKeys(timeout: Double) -> [Key] {
        let deadline = Date().addingTimeInterval(max(0, timeout))
        condition.lock()
        defer { condition.unlock() }
        while pendingKeys.isEmpty && !woken {
            if !condition.wait(until: deadline) { break }
        }
        woken = false
        let keys = pendingKeys
        pendingKeys = []
        return keys
    }

    public func wake() {
        condition.lock()
        woken = true
        condition.broadcast()
        condition.unlock()
    }

    public func present(_ canvas: Canvas, overlays: [Overlay], fullRepaint: Bool, resendOverlays: Bool) {
        condition.lock()
        lastCanvas = canvas
        lastOverlays = overlays
        presents += 1
        if fullRepaint { repaints += 1 }
        if (fullRepaint || resendOverlays) && !overlays.isEmpty { overlaySends += 1 }
        condition.broadcast()
        let hook = onPresent
        condition.unlock()
        hook?(canvas, overlays)
    }

    private func locked<T>(_ body: () -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body()
    }
}
