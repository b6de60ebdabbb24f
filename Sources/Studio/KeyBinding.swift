/// Where a key binding applies: a part of the screen, or an overlay on it.
public enum KeyContext: String, CaseIterable, Sendable {
    /// The main screen, whichever field has the focus.
    case main
    /// The prompt or negative prompt has the focus.
    case text
    /// A settings field has the focus.
    case settings
    /// The favorites, the history or the model list.
    case lists
    /// The favorites list only.
    case favorites
    /// The model list, on a model (the current one or a recent one).
    case models
    /// The model list's last line, where a path is typed (the prompt editors' keys edit it).
    case modelPath
    /// The F1 help overlay.
    case help
    /// "Remove favorite?"
    case removeQuestion
    /// "Quit?" (some favorites are only in this session).
    case quitQuestion
    /// The sweep editor (Ctrl-X).
    case sweep
    /// The X/Y grid's sheet or one of its cells.
    case grid

    /// How the keys table names it.
    public var title: String {
        switch self {
        case .main: "main screen"
        case .text: "prompt editors"
        case .settings: "settings fields"
        case .lists: "favorites / history / model list"
        case .favorites: "favorites list"
        case .models: "model list"
        case .modelPath: "model list: path line"
        case .help: "help"
        case .removeQuestion: "“Remove favorite?”"
        case .quitQuestion: "“Quit?”"
        case .sweep: "sweep editor"
        case .grid: "X/Y grid"
        }
    }
}

/// Which keys a binding answers to.
public enum KeyPattern: Equatable, Sendable {
    case key(Key)
    /// Any printable character, or text pasted in one piece.
    case anyCharacter
    /// Any key that no earlier binding of the context takes.
    case anyKey

    public func matches(_ key: Key) -> Bool {
        switch self {
        case let .key(k): k == key
        case .anyCharacter:
            switch key {
            case .character, .paste: true
            default: false
            }
        case .anyKey: true
        }
    }

    /// How help and the keys table write it: "Ctrl-S", "F3", "↑", "any character".
    public var name: String {
        switch self {
        case let .key(k): k.name
        case .anyCharacter: "any character"
        case .anyKey: "any other key"
        }
    }

    /// The footer's short form: "^S".
    public var shortName: String {
        if case let .key(.control(c)) = self { return "^" + c.uppercased() }
        return name
    }
}

/// One line of the keymap: keys, each with the action it triggers (usually one action for all
/// of them; a pair such as Tab / Shift-Tab has two), where they apply, and how the footer,
/// the F1 help and the keys table describe them.
public struct KeyBinding: Sendable {
    /// The keys and their actions, in the order help lists them.
    public let keys: [(pattern: KeyPattern, action: StudioAction)]
    /// Where the keys apply; the first is where the footer shows them.
    public let contexts: [KeyContext]
    /// What the keys do, for the help and the keys table.
    public let description: String
    /// The footer's (or a list's hint line's) label, in the first context; nil: not shown there.
    public let footer: String?
    /// Whether the F1 help lists the binding, when it applies on the main screen (the keys
    /// table lists every binding).
    public let inHelp: Bool

    /// Several keys, one action.
    public init(_ keys: [Key], _ action: StudioAction, in contexts: [KeyContext], footer: String? = nil,
                inHelp: Bool = true, _ description: String) {
        self.init(pairs: keys.map { ($0, action) }, in: contexts, footer: footer, inHelp: inHelp, description)
    }

    /// Keys with different actions, described together ("next / previous field").
    public init(pairs: [(Key, StudioAction)], in contexts: [KeyContext], footer: String? = nil, inHelp: Bool = true,
                _ description: String) {
        self.init(patterns: pairs.map { (KeyPattern.key($0.0), $0.1) }, in: contexts, footer: footer, inHelp: inHelp, description)
    }

    /// Any key matching `pattern` (a wildcard: put it after the context's other bindings).
    public init(_ pattern: KeyPattern, _ action: StudioAction, in contexts: [KeyContext], inHelp: Bool = false,
                _ description: String) {
        self.init(patterns: [(pattern, action)], in: contexts, footer: nil, inHelp: inHelp, description)
    }

    init(patterns: [(KeyPattern, StudioAction)], in contexts: [KeyContext], footer: String?, inHelp: Bool, _ description: String) {
        keys = patterns.map { (pattern: $0.0, action: $0.1) }
        self.contexts = contexts
        self.footer = footer
        self.inHelp = inHelp
        self.description = description
    }

    /// The action `key` triggers, if this binding takes it.
    public func action(for key: Key) -> StudioAction? {
        keys.first { $0.pattern.matches(key) }?.action
    }

    /// The names of the keys, each once: "Ctrl-F / F3", or "+ - ↑ ↓" for single characters.
    public var keyNames: [String] {
        var names: [String] = []
        for (pattern, _) in keys where !names.contains(pattern.name) { names.append(pattern.name) }
        return names
    }

    /// The keys as help shows them.
    public var keysText: String {
        keyNames.joined(separator: keyNames.allSatisfy { $0.count == 1 } ? " " : " / ")
    }

    /// The keys as the footer shows them: the first key ("^Q"), or the first key of each action
    /// when those are single characters ("↑↓").
    public var footerKeys: String {
        var actions: [StudioAction] = [], firsts: [String] = []
        for (pattern, action) in keys where !actions.contains(action) {
            actions.append(action)
            firsts.append(pattern.shortName)
        }
        return firsts.allSatisfy { $0.count == 1 } ? firsts.joined() : firsts[0]
    }
}
