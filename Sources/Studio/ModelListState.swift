import Foundation
import Generation

/// The model list (Ctrl-O / F4) and the model in use: the current model, the models used before
/// (`models.json`, newest first), a line to type the path of a model file or folder, and the
/// load in progress.
///
/// Its rows are the current model (row 0), the recent models other than it, and the path line
/// (the last row). `choose(row:status:)` turns Enter on a row into a load (the controller runs
/// the loader off the UI thread; what came of it returns as an `Event`); `editPath` edits the
/// path line with the prompt editor's keys. Loading the model in use again, or the one already
/// loading, does nothing.
public struct ModelListState: Sendable {
    /// The model in use.
    public struct Current: Equatable, Sendable {
        /// Where it was loaded from; nil for a model the loader cannot load again (the untrained
        /// stand-in).
        public var path: String?
        public var name: String
        public var summary: String
        public var hash: String
        /// How its weights are held and its arithmetic (`ImageGenerator.precisionSummary`), or "".
        public var precision: String

        public init(path: String?, name: String, summary: String, hash: String, precision: String = "") {
            self.path = path
            self.name = name
            self.summary = summary
            self.hash = hash
            self.precision = precision
        }
    }

    /// A load asked for and not answered yet.
    public struct Load: Equatable, Sendable {
        /// Tells this load's answer from that of a load asked for before it.
        public let id: Int
        /// The absolute path given to the loader.
        public let path: String
        /// What the status line calls it until it has loaded.
        public let name: String
    }

    /// What came of a load, or of writing the recent list.
    public enum Event: Sendable {
        /// Load `id` gave `generator` after `seconds`, at `date`.
        case loaded(id: Int, path: String, generator: any ImageGenerator, seconds: Double, date: Date)
        /// Load `id` failed (the loader's error, as text).
        case loadFailed(id: Int, path: String, reason: String)
        /// `models.json` now holds `entries` (with any warning from reading it first).
        case recentSaved(entries: [RecentModel], warning: String?)
        /// `models.json` could not be written: the list is kept for this session only.
        case recentNotSaved(reason: String)
    }

    /// What Enter on a row comes to.
    enum Choice: Equatable {
        /// Start this load.
        case load(Load)
        /// The model is in use or loading already: close the list, nothing to do.
        case alreadyThere
        /// Nothing to load (an empty path line, no loader): the list stays open.
        case nothing
    }

    public var current: Current
    /// Models loaded before, newest first (may include the current one).
    public var recent: [RecentModel]
    /// The path being typed (the list's last row).
    public var pathLine = PromptEditor("", maxLength: 4096)
    public var loading: Load?
    /// The status line's "loaded …" until the next key: news about the prompt that the switch
    /// brings (words the new model does not read) is added to it rather than replacing it.
    public var announcement: String?
    private var lastLoadID = 0
    /// Where typed relative paths start, and what a leading `~` stands for.
    public var workingDirectory: String
    public var homeDirectory: String?
    /// Whether the studio was given a loader (without one the list only shows).
    public var canLoad: Bool

    public init(current: Current, recent: [RecentModel] = [], canLoad: Bool = true,
                workingDirectory: String = FileManager.default.currentDirectoryPath,
                homeDirectory: String? = ProcessInfo.processInfo.environment["HOME"]) {
        self.current = current
        self.recent = recent
        self.canLoad = canLoad
        self.workingDirectory = workingDirectory
        self.homeDirectory = homeDirectory
    }

    /// The recent models other than the current one, newest first: rows 1….
    public var others: [RecentModel] { recent.filter { $0.path != current.path } }
    /// The rows: the current model, the others, the path line.
    public var rowCount: Int { others.count + 2 }
    /// The path line's row (the last).
    public var pathRow: Int { rowCount - 1 }
    /// The row the list opens on: the most recent other model, or the path line when there is none.
    public var firstChoiceRow: Int { others.isEmpty ? pathRow : 1 }

    /// `typed` as an absolute, standardised path: `~` expanded, a relative path taken from
    /// `workingDirectory`, `.` and `..` resolved (symbolic links are not: two links to one file
    /// are two models).
    public func absolutePath(_ typed: String) -> String {
        var path = typed.trimmingCharacters(in: .whitespacesAndNewlines)
        if let home = homeDirectory, path == "~" || path.hasPrefix("~/") { path = home + path.dropFirst() }
        if !path.hasPrefix("/") { path = workingDirectory + "/" + path }
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// Enter on `row`: the load to start, or why there is none (in `status`).
    mutating func choose(row: Int, status: inout StatusMessage?) -> Choice {
        let path: String, name: String
        if row == 0 {
            status = .info("\(current.name) is the model in use")
            return .alreadyThere
        } else if row == pathRow {
            let typed = pathLine.text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !typed.isEmpty else {
                status = .info("type the path of a model file or folder, then Enter")
                return .nothing
            }
            path = absolutePath(typed)
            name = recent.first { $0.path == path }?.name ?? URL(fileURLWithPath: path).lastPathComponent
        } else {
            let entries = others
            guard entries.indices.contains(row - 1) else { return .nothing }
            (path, name) = (entries[row - 1].path, entries[row - 1].name)
        }
        if path == current.path {
            status = .info("\(current.name) (\(path)) is the model in use already")
            return .alreadyThere
        }
        if let loading, loading.path == path {
            status = .info("already loading \(loading.name)…")
            return .alreadyThere
        }
        guard canLoad else {
            status = .error("this studio cannot switch models (it was started without a model loader); restart it with --model \(path)")
            return .nothing
        }
        lastLoadID += 1
        let load = Load(id: lastLoadID, path: path, name: name)
        loading = load
        if row == pathRow { pathLine.setText("") }
        status = .info("loading \(name)… (Esc keeps \(current.name))")
        return .load(load)
    }

    /// Esc while a model loads: keeps the current model; the load's answer is dropped when it
    /// comes (a loader cannot be interrupted). False when nothing was loading.
    mutating func abandonLoad(status: inout StatusMessage?) -> Bool {
        guard let load = loading else { return false }
        loading = nil
        status = .info("kept \(current.name); \(load.name) is dropped when it has loaded")
        return true
    }

    /// Load `id` gave a model at `date`: when it is the load still asked for, it becomes the
    /// current model and the first recent one; returns whether it did (else it is dropped).
    mutating func loaded(id: Int, path: String, generator: some ImageGenerator, date: Date) -> Bool {
        guard loading?.id == id else { return false }
        loading = nil
        current = Current(path: path, name: generator.modelName, summary: generator.modelSummary, hash: generator.modelHash,
                          precision: generator.precisionSummary)
        remember(RecentModel(path: path, name: current.name, summary: current.summary, lastUsed: date))
        return true
    }

    /// Load `id` failed: the current model stays. Returns the message, or nil when the load was
    /// no longer asked for.
    mutating func loadFailed(id: Int, path: String, reason: String) -> StatusMessage? {
        guard let load = loading, load.id == id else { return nil }
        loading = nil
        return .error("cannot load \(path): \(reason); still using \(current.name)")
    }

    /// Puts `entry` at the top of this session's list (the file's list replaces it once written).
    mutating func remember(_ entry: RecentModel) {
        recent = [entry] + recent.filter { $0.path != entry.path }
    }

    /// The path line's share of the prompt editor's keys (one line: no new lines, no line moves).
    mutating func editPath(_ action: EditorAction, key: Key, status: inout StatusMessage?) {
        switch action {
        case .insertText:
            switch key {
            case let .character(c): pathLine.insert(String(c), allowNewlines: false)
            case let .paste(text):
                if !pathLine.insert(text.trimmingCharacters(in: .newlines), allowNewlines: false) {
                    status = .warning("the pasted path was cut at \(pathLine.maxLength) characters")
                }
            default: break
            }
        case .deleteBackward: pathLine.backspace()
        case .deleteForward: pathLine.deleteForward()
        case .deleteWordBackward: pathLine.deleteWordBackward()
        case .deleteWordForward: pathLine.deleteWordForward()
        case .deleteToLineStart: pathLine.deleteToLineStart()
        case .deleteToLineEnd: pathLine.deleteToLineEnd()
        case .cursorLeft: pathLine.moveLeft()
        case .cursorRight: pathLine.moveRight()
        case .wordLeft: pathLine.moveWordLeft()
        case .wordRight: pathLine.moveWordRight()
        case .lineStart, .textStart: pathLine.moveToStart()
        case .lineEnd, .textEnd: pathLine.moveToEnd()
        default: break
        }
    }
}
