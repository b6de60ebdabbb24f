/// tmux's passthrough: a sequence tmux would otherwise swallow (kitty graphics, sixel in tmux
/// 3.3, iTerm2 images) goes to the outer terminal when wrapped in `ESC P tmux; … ESC \` with
/// every ESC inside doubled. tmux passes it only with `set -g allow-passthrough on` (3.3+).
///
/// tmux does not know where the picture lands, so the cursor move that places it goes inside
/// the wrapper too, in the outer terminal's coordinates: `paneRow`/`paneColumn` are the pane's
/// top-left cell there (tmux's `#{pane_top}` and `#{pane_left}`).
public struct Passthrough: Equatable, Sendable {
    /// The pane's top row on the outer terminal (0-based).
    public var paneRow: Int
    /// The pane's left column on the outer terminal (0-based).
    public var paneColumn: Int

    public init(paneRow: Int = 0, paneColumn: Int = 0) {
        self.paneRow = paneRow
        self.paneColumn = paneColumn
    }

    /// The largest sequence wrapped in one passthrough: tmux refuses a DCS longer than its
    /// input buffer limit (1 MiB in tmux 3.3); pictures are sent in chunks far below this.
    public static let maximumSequenceBytes = 1 << 20

    /// `sequence` wrapped for tmux: `ESC P tmux;` + the sequence with each ESC doubled + `ESC \`.
    public static func wrap(_ sequence: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x1B, 0x50] + Array("tmux;".utf8)
        out.reserveCapacity(sequence.count + sequence.count / 8 + 10)
        for byte in sequence {
            if byte == 0x1B { out.append(0x1B) }
            out.append(byte)
        }
        out += [0x1B, 0x5C]
        return out
    }

    /// The sequences inside the passthrough wrappers in `bytes` (what the outer terminal gets),
    /// in order; bytes outside any wrapper are left out. The inverse of `wrap`, for tests.
    public static func unwrap(_ bytes: [UInt8]) -> [[UInt8]] {
        let opening: [UInt8] = [0x1B, 0x50] + Array("tmux;".utf8)
        var result: [[UInt8]] = []
        var i = 0
        while i + opening.count <= bytes.count {
            guard Array(bytes[i..<(i + opening.count)]) == opening else { i += 1; continue }
            var j = i + opening.count
            var inner: [UInt8] = []
            var closed = false
            while j < bytes.count {
                if bytes[j] == 0x1B, j + 1 < bytes.count, bytes[j + 1] == 0x1B {
                    inner.append(0x1B)
                    j += 2
                } else if bytes[j] == 0x1B, j + 1 < bytes.count, bytes[j + 1] == 0x5C {
                    j += 2
                    closed = true
                    break
                } else {
                    inner.append(bytes[j])
                    j += 1
                }
            }
            if closed { result.append(inner) }
            i = j
        }
        return result
    }

    /// The cursor move (CUP) to the pane's cell `row`, `column` (0-based) in outer coordinates.
    public func cursorMove(row: Int, column: Int) -> [UInt8] {
        Array("\u{1B}[\(paneRow + row + 1);\(paneColumn + column + 1)H".utf8)
    }
}
