import Foundation

/// A model the studio loaded before, as the model list (Ctrl-O) shows it and `models.json`
/// keeps it: where it is, and what it said about itself when it last loaded.
public struct RecentModel: Codable, Equatable, Sendable {
    /// The absolute path of the file or folder (what the loader was given).
    public var path: String
    /// `ImageGenerator.modelName` when it last loaded.
    public var name: String
    /// `ImageGenerator.modelSummary` when it last loaded (for SD3 models it names the family).
    public var summary: String
    /// When it was last loaded.
    public var lastUsed: Date

    public init(path: String, name: String, summary: String, lastUsed: Date) {
        self.path = path
        self.name = name
        self.summary = summary
        self.lastUsed = lastUsed
    }
}
