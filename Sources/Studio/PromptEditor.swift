/// A multi-line text field: a list of characters (grapheme clusters, so UTF-8 input and
/// combining marks behave) and a cursor between them, with word wrapping to a given width.
///
/// Wrapping breaks after the last space that fits (a word longer than the line is cut), and at
/// hard newlines. Lines hold at most `width - 1` columns so the cursor always has a cell at the
/// end of a line.
public struct PromptEditor: Equatable, Sendable {
    /// The text as characters.
    public private(set) var characters: [Character]
    /// Insertion point, 0…`characters.count`.
    public private(set) var cursor: Int {
        didSet { cursorStartsLine = false }
    }
    /// Where a line was broken inside a word, one position is both the end of one line and the
    /// start of the next. It shows at the end of the first, except after Home, Up or Down put it
    /// at the start of the second (then this is true, until the cursor moves again).
    public private(set) var cursorStartsLine = false
    /// Longest text accepted (longer pastes are cut, and `insert` reports it).
    public let maxLength: Int

    public init(_ text: String = "", maxLength: Int = 4000) {
        characters = Array(text.prefix(maxLength))
        cursor = characters.count
        self.maxLength = maxLength
    }

    public var text: String { String(characters) }
    public var isEmpty: Bool { characters.isEmpty }

    /// Replaces the whole text and puts the cursor at its end.
    public mutating func setText(_ text: String) {
        characters = Array(Self.clean(text).prefix(maxLength))
        cursor = characters.count
    }

    // MARK: - Editing

    /// Inserts typed or pasted text at the cursor. `\r\n` and `\r` become newlines (kept only
    /// when `allowNewlines`, else spaces), tabs become spaces, other control characters are
    /// dropped. Returns false when the text had to be cut at `maxLength`.
    @discardableResult
    public mutating func insert(_ text: String, allowNewlines: Bool = true) -> Bool {
        var cleaned = Self.clean(text)
        if !allowNewlines { cleaned = cleaned.map { $0 == "\n" ? " " : $0 } }
        let room = maxLength - characters.count
        let accepted = cleaned.prefix(max(0, room))
        characters.insert(contentsOf: accepted, at: cursor)
        cursor += accepted.count
        if let first = accepted.first?.unicodeScalars.first, DisplayWidth.of(first) == 0, cursor > accepted.count {
            // A combining mark typed on its own joins the character before it, as in the text.
            let before = String(characters[..<cursor])
            characters = Array(before + String(characters[cursor...]))
            cursor = before.count
        }
        return accepted.count == cleaned.count
    }

    /// Text with line endings normalised and control characters removed.
    static func clean(_ text: String) -> [Character] {
        var out: [Character] = []
        var previousCR = false
        for c in text {
            if c == "\r\n" || c == "\n" {
                if !previousCR { out.append("\n") }
                previousCR = false
                continue
            }
            if c == "\r" {
                out.append("\n")
                previousCR = true
                continue
            }
            previousCR = false
            if c == "\t" { out.append(" "); continue }
            if let scalar = c.unicodeScalars.first, c.unicodeScalars.count == 1,
               scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) { continue }
            out.append(c)
        }
        return out
    }

    public mutating func backspace() {
        guard cursor > 0 else { return }
        characters.remove(at: cursor - 1)
        cursor -= 1
    }

    public mutating func deleteForward() {
        guard cursor < characters.count else { return }
        characters.remove(at: cursor)
    }

    /// Deletes back to the start of the previous word (Ctrl-W / Alt-Backspace): spaces first,
    /// then the word's characters.
    public mutating func deleteWordBackward() {
        let start = wordStart(before: cursor)
        characters.removeSubrange(start..<cursor)
        cursor = start
    }

    /// Deletes forward to the end of the next word (Alt-D).
    public mutating func deleteWordForward() {
        let end = wordEnd(after: cursor)
        characters.removeSubrange(cursor..<end)
    }

    /// Deletes from the cursor to the end of its logical line (Ctrl-K).
    public mutating func deleteToLineEnd() {
        var end = cursor
        while end < characters.count && characters[end] != "\n" { end += 1 }
        if end == cursor && end < characters.count { end += 1 }  // at a newline: join the lines
        characters.removeSubrange(cursor..<end)
    }

    /// Deletes from the start of the cursor's logical line to the cursor (Ctrl-U).
    public mutating func deleteToLineStart() {
        var start = cursor
        while start > 0 && characters[start - 1] != "\n" { start -= 1 }
        characters.removeSubrange(start..<cursor)
        cursor = start
    }

    // MARK: - Moving

    public mutating func moveLeft() { cursor = max(0, cursor - 1) }
    public mutating func moveRight() { cursor = min(characters.count, cursor + 1) }
    public mutating func moveWordLeft() { cursor = wordStart(before: cursor) }
    public mutating func moveWordRight() { cursor = wordEnd(after: cursor) }
    public mutating func moveToStart() { cursor = 0 }
    public mutating func moveToEnd() { cursor = characters.count }

    /// Home: the start of the cursor's wrapped line.
    public mutating func moveToLineStart(width: Int) {
        let lines = wrap(width: width)
        let row = cursorLine(in: lines)
        cursor = lines[row].start
        cursorStartsLine = row > 0 && lines[row - 1].end == cursor
    }

    /// End: the end of the cursor's wrapped line (before its newline or wrap space).
    public mutating func moveToLineEnd(width: Int) {
        let lines = wrap(width: width)
        cursor = lines[cursorLine(in: lines)].end
    }

    /// Up / Down: the same column on the wrapped line above / below; returns false when there
    /// is no such line (the caller may then move focus).
    @discardableResult
    public mutating func moveVertically(by delta: Int, width: Int) -> Bool {
        let lines = wrap(width: width)
        let row = cursorLine(in: lines)
        let target = row + delta
        guard target >= 0 && target < lines.count else { return false }
        let column = columns(from: lines[row].start, to: cursor)
        let line = lines[target]
        var index = line.start, used = 0
        while index < line.end {
            let w = DisplayWidth.of(characters[index])
            if used + w > column { break }
            used += w
            index += 1
        }
        cursor = index
        cursorStartsLine = index == line.start && target > 0 && lines[target - 1].end == index
        return true
    }

    func wordStart(before position: Int) -> Int {
        var i = position
        while i > 0 && !isWordCharacter(characters[i - 1]) { i -= 1 }
        while i > 0 && isWordCharacter(characters[i - 1]) { i -= 1 }
        return i
    }

    func wordEnd(after position: Int) -> Int {
        var i = position
        while i < characters.count && !isWordCharacter(characters[i]) { i += 1 }
        while i < characters.count && isWordCharacter(characters[i]) { i += 1 }
        return i
    }

    func isWordCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == "'" }

    // MARK: - Wrapping

    /// One wrapped line: characters `start..<end` are shown; `next` is where the following line
    /// starts (after a newline or the space the line broke at).
    public struct Line: Equatable, Sendable {
        public let start: Int
        public let end: Int
        public let next: Int
    }

    /// The text wrapped to `width` columns (at least one line, even when empty).
    public func wrap(width: Int) -> [Line] {
        let limit = max(1, width - 1)
        var lines: [Line] = []
        var start = 0
        while true {
            var i = start, used = 0
            var lastSpace = -1
            while i < characters.count && characters[i] != "\n" {
                let w = DisplayWidth.of(characters[i])
                if used + w > limit { break }
                if characters[i] == " " { lastSpace = i }
                used += w
                i += 1
            }
            if i >= characters.count {
                lines.append(Line(start: start, end: i, next: i))
                break
            }
            if characters[i] == "\n" {
                lines.append(Line(start: start, end: i, next: i + 1))
                start = i + 1
                continue
            }
            if characters[i] == " " {
                // The line is full exactly at a space: break there, dropping the space.
                lines.append(Line(start: start, end: i, next: i + 1))
                start = i + 1
            } else if lastSpace > start {
                lines.append(Line(start: start, end: lastSpace, next: lastSpace + 1))
                start = lastSpace + 1
            } else {
                let end = max(i, start + 1)  // a character wider than the line still advances
                lines.append(Line(start: start, end: end, next: end))
                start = end
            }
        }
        return lines
    }

    /// Which wrapped line the position `index` sits on (a position at a line's `end` belongs to
    /// that line; the start of the next line belongs to the next).
    public func lineIndex(of index: Int, in lines: [Line]) -> Int {
        for (row, line) in lines.enumerated() where index >= line.start && index <= line.end {
            return row
        }
        // Inside a dropped wrap space: the line that ends just before it.
        return lines.lastIndex { $0.start <= index } ?? 0
    }

    /// The wrapped line the cursor is on (`lineIndex`, but at a break inside a word the later
    /// line when `cursorStartsLine`).
    func cursorLine(in lines: [Line]) -> Int {
        let row = lineIndex(of: cursor, in: lines)
        return cursorStartsLine && row + 1 < lines.count && lines[row + 1].start == cursor ? row + 1 : row
    }

    /// Row and column of the cursor in the text wrapped to `width`.
    public func cursorPosition(width: Int) -> (row: Int, column: Int) {
        let lines = wrap(width: width)
        let row = cursorLine(in: lines)
        return (row, columns(from: lines[row].start, to: min(cursor, lines[row].end)))
    }

    /// The wrapped lines as strings.
    public func wrappedText(width: Int) -> [String] {
        wrap(width: width).map { String(characters[$0.start..<$0.end]) }
    }

    func columns(from a: Int, to b: Int) -> Int {
        guard b > a else { return 0 }
        return characters[a..<b].reduce(0) { $0 + DisplayWidth.of($1) }
    }
}
