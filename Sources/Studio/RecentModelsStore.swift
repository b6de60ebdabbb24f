import FlowCore
import Foundation

/// The models loaded before, newest first, in `models.json` in the data folder, next to
/// `favorites.json`:
///
/// ```
/// models.json     {"version": 1, "models": [RecentModel…]}, replaced atomically
/// ```
/// An entry that cannot be used is skipped (the next write drops it); a file that cannot be
/// read at all is moved aside (`models.json.corrupt-<time>`), never overwritten, as the
/// favorites are; when even that fails the store turns read-only for the session.
public final class RecentModelsStore: @unchecked Sendable {
    // @unchecked: used from the UI thread only.
    public let directory: URL
    public var file: URL { directory.appendingPathComponent("models.json") }
    /// Set when a corrupt `models.json` could not be moved aside: writing would overwrite it.
    public private(set) var isReadOnly = false

    /// How many models the list keeps.
    public static let capacity = 20
    /// The largest models.json read (1 MB: far more than `capacity` entries).
    public static let maximumFileSize = 1_000_000

    public init(directory: URL) {
        self.directory = directory
    }

    struct FileContents: Codable {
        var version: Int
        var models: [RecentModel]
    }

    /// One element of the array: the entry, or nil when it cannot be used (so that one bad entry
    /// does not cost the others).
    struct LenientEntry: Decodable {
        let entry: RecentModel?

        init(from decoder: any Decoder) throws {
            let entry = try? RecentModel(from: decoder)
            self.entry = entry.flatMap { $0.path.hasPrefix("/") && !$0.name.isEmpty ? $0 : nil }
        }
    }

    struct LenientContents: Decodable {
        var version: Int
        var models: [LenientEntry]
    }

    /// Reads the list. A missing file is an empty list. Entries that cannot be used are skipped,
    /// and a file that cannot be read at all is moved aside; the warning says which and where.
    public func load(now: Date = Date()) -> (entries: [RecentModel], warning: String?) {
        let url = file
        guard FileManager.default.fileExists(atPath: url.path) else { return ([], nil) }
        let why: String
        do {
            let data = try ReadableFile.data(of: url, expected: "the studio's recent-models JSON file",
                                             maximumByteCount: Self.maximumFileSize)
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let contents = try decoder.decode(LenientContents.self, from: data)
            let entries = contents.models.compactMap(\.entry)
            let skipped = contents.models.count - entries.count
            guard skipped > 0 else { return (entries, nil) }
            return (entries, "models.json: skipped \(skipped) of \(contents.models.count) recent models that cannot be read (the next model loaded rewrites the list without them)")
        } catch let error as DecodingError {
            why = error.phrase()
        } catch let error as FileReadError {
            why = error.description
        } catch {
            why = (error as NSError).localizedDescription
        }
        let aside = FavoritesStore.asideURL(in: directory, "models.json.corrupt", now: now)
        do {
            try FileManager.default.moveItem(at: url, to: aside)
            return ([], "models.json could not be read (\(why)); moved it to \(aside.path) and started a new list of recent models")
        } catch {
            isReadOnly = true
            return ([], "models.json could not be read (\(why)) nor moved aside (\((error as NSError).localizedDescription)); the recent models will not be saved this session so the file is not overwritten")
        }
    }

    /// Puts the model at `path` at the top of the list (read back from disk first, so models
    /// another studio recorded meanwhile are kept; at most `capacity`), writes it atomically,
    /// and returns it with any warning from reading the file.
    @discardableResult
    public func record(path: String, name: String, summary: String,
                       now: Date = Date()) throws -> (entries: [RecentModel], warning: String?) {
        guard !isReadOnly else { throw StoreError.readOnly(file.path) }
        let (onDisk, warning) = load(now: now)
        guard !isReadOnly else { throw StoreError.readOnly(file.path) }
        let entry = RecentModel(path: path, name: name, summary: summary, lastUsed: now)
        let entries = Array(([entry] + onDisk.filter { $0.path != path }).prefix(Self.capacity))
        try save(entries)
        return (entries, warning)
    }

    /// Writes the list atomically through FlowCore's `WritableFile`.
    public func save(_ entries: [RecentModel]) throws {
        guard !isReadOnly else { throw StoreError.readOnly(file.path) }
        let data = try FavoritesStore.encoder().encode(FileContents(version: 1, models: entries))
        if let why = FileSystem.createDirectories(directory) { throw StoreError.cannotWrite(directory.path, why) }
        do {
            try WritableFile.write(data, to: file, example: "models.json")
        } catch let error as FileWriteError {
            throw StoreError.cannotWrite(file.path, error.reason)
        }
    }
}
