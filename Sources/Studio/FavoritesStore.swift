import FlowCore
import Foundation
import Generation
import Imaging

/// The studio's files under the data folder (`$XDG_DATA_HOME/flowstudio/`, by default
/// `~/.local/share/flowstudio/`):
///
/// ```
/// favorites.json          {"version": 1, "favorites": [FavoriteEntry…]}, replaced atomically
/// favorites/*.png         favorite images, with the A1111 `parameters` text chunk
/// outputs/*.png           Ctrl-E exports, same chunk
/// ```
/// A `favorites.json` that cannot be read is moved aside (`favorites.json.corrupt-<time>`),
/// never overwritten; when even that fails the store turns read-only for the session.
public final class FavoritesStore: @unchecked Sendable {
    // @unchecked: used from the UI thread only.
    public let directory: URL
    public var favoritesFile: URL { directory.appendingPathComponent("favorites.json") }
    /// Set when a corrupt favorites file could not be moved aside: saving would overwrite it.
    public private(set) var isReadOnly = false

    /// The largest favorites.json read (64 MB: about a hundred thousand favorites).
    public static let maximumFileSize = 64_000_000

    public init(directory: URL) {
        self.directory = directory
    }

    /// `$XDG_DATA_HOME/flowstudio`, or `$HOME/.local/share/flowstudio`.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            return URL(fileURLWithPath: xdg).appendingPathComponent("flowstudio")
        }
        let home = environment["HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        return home.appendingPathComponent(".local/share/flowstudio")
    }

    struct FileContents: Codable {
        var version: Int
        var favorites: [FavoriteEntry]
    }

    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        return e
    }

    /// One element of the favorites array: the entry, or why it cannot be used (so that one
    /// bad entry does not cost the others).
    struct LenientEntry: Decodable {
        let entry: FavoriteEntry?
        let problem: String?

        init(from decoder: any Decoder) throws {
            do {
                let entry = try FavoriteEntry(from: decoder)
                if let why = SamplingLimits.problem(with: entry.settings) {
                    (self.entry, problem) = (nil, why)
                } else {
                    (self.entry, problem) = (entry, nil)
                }
            } catch let error as DecodingError {
                // Paths relative to the entry: drop "favorites" and its index.
                (entry, problem) = (nil, error.phrase(droppingKeys: decoder.codingPath.count))
            } catch {
                // Foundation reports a number that fits no Swift type of its field (a seed of -1,
                // a CFG of 1e39) with its own error type, not a DecodingError.
                (entry, problem) = (nil, Self.phrase(error))
            }
        }

        /// "the number -1 does not fit its field" for Foundation's unrepresentable numbers.
        static func phrase(_ error: any Error) -> String {
            let text = "\(error)"
            let marker = "numberIsNotRepresentableInSwift(parsed: \""
            guard let start = text.range(of: marker), let end = text[start.upperBound...].firstIndex(of: "\"") else {
                return "cannot be read (\(text))"
            }
            return "the number \(text[start.upperBound..<end]) does not fit its field"
        }
    }

    struct LenientContents: Decodable {
        var version: Int
        var favorites: [LenientEntry]
    }

    /// Reads the favorites. A missing file is an empty list. A file that cannot be read at all is
    /// moved aside; one whose entries are partly unusable is copied aside and rewritten with the
    /// usable ones. The warning says which entries were skipped and where the copy is.
    public func load(now: Date = Date()) -> (entries: [FavoriteEntry], warning: String?) {
        let url = favoritesFile
        guard FileManager.default.fileExists(atPath: url.path) else { return ([], nil) }
        let why: String
        do {
            let data = try ReadableFile.data(of: url, expected: "a favorites JSON file", maximumByteCount: Self.maximumFileSize)
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let contents = try decoder.decode(LenientContents.self, from: data)
            let entries = contents.favorites.compactMap(\.entry)
            let problems = contents.favorites.enumerated().compactMap { index, element in
                element.problem.map { "#\(index + 1): \($0)" }
            }
            guard !problems.isEmpty else { return (entries, nil) }
            let skipped = "skipped \(problems.count) of \(contents.favorites.count) favorites (\(problems.joined(separator: "; ")))"
            let copy = asideURL("favorites.json.bad-entries", now: now)
            do {
                try WritableFile.write(data, to: copy)  // the bytes just read, as they were
                try? save(entries)  // so the next start does not copy it again
                return (entries, "favorites.json: \(skipped); the file as it was is kept as \(copy.path)")
            } catch {
                isReadOnly = true
                return (entries, "favorites.json: \(skipped), and it could not be copied aside (\((error as? FileWriteError)?.reason ?? (error as NSError).localizedDescription)); favorites will not be saved this session so the file is not overwritten")
            }
        } catch let error as DecodingError {
            why = error.phrase()
        } catch let error as FileReadError {
            why = error.description
        } catch {
            why = (error as NSError).localizedDescription
        }
        let aside = asideURL("favorites.json.corrupt", now: now)
        do {
            try FileManager.default.moveItem(at: url, to: aside)
            return ([], "favorites.json could not be read (\(why)); moved it to \(aside.path) and started a new list")
        } catch {
            isReadOnly = true
            return ([], "favorites.json could not be read (\(why)) nor moved aside (\((error as NSError).localizedDescription)); favorites will not be saved this session so the file is not overwritten")
        }
    }

    /// Writes the list atomically: a temporary file in the same folder, flushed, renamed over
    /// `favorites.json`.
    public func save(_ entries: [FavoriteEntry]) throws {
        guard !isReadOnly else {
            throw StoreError.readOnly(favoritesFile.path)
        }
        let data = try Self.encoder().encode(FileContents(version: 1, favorites: entries))
        try makeDirectory(directory)
        try Self.writeAtomically(data, to: favoritesFile)
    }

    /// Writes `image` as a PNG with the A1111 `parameters` chunk under `folder` (`favorites`
    /// or `outputs`); returns its path relative to the data folder. `decodedStep` (counted from
    /// 1) marks a step of the run decoded with the VAE: the chunk then says `Step: N/STEPS`
    /// (see `parameters(settings:modelName:modelHash:decodedStep:precision:)`).
    public func writeImage(_ image: RGBImage, settings: GenerationSettings, modelName: String, modelHash: String,
                           folder: String, decodedStep: Int? = nil, precision: String? = nil,
                           extraFields: [A1111Parameters.Field] = [], now: Date = Date()) throws -> String {
        let dir = directory.appendingPathComponent(folder)
        try makeDirectory(dir)
        // The name is reserved by creating the file exclusively, so two studios saving the same
        // seed in the same second never write one file.
        var name = "\(Self.stamp(now))-\(settings.seed)"
        var n = 2
        while true {
            let fd = open(dir.appendingPathComponent(name + ".png").path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 {
                close(fd)
                break
            }
            guard errno == EEXIST else {
                throw StoreError.cannotWrite(dir.appendingPathComponent(name + ".png").path, String(cString: strerror(errno)))
            }
            name = "\(Self.stamp(now))-\(settings.seed)-\(n)"
            n += 1
        }
        let url = dir.appendingPathComponent(name + ".png")
        var parameters = Self.parameters(settings: settings, modelName: modelName, modelHash: modelHash, decodedStep: decodedStep,
                                         precision: precision)
        // Fields of its own (a grid's sweep) go before `Version`.
        parameters.fields.insert(contentsOf: extraFields, at: parameters.fields.firstIndex { $0.key == "Version" } ?? parameters.fields.count)
        do {
            try PNG.write(image, to: url, text: [("parameters", parameters.encoded)])
        } catch {
            unlink(url.path)
            throw StoreError.cannotWrite(url.path, "\(error)")
        }
        return "\(folder)/\(name).png"
    }

    /// The `parameters` chunk of an image made with `settings`. For a step decoded with the VAE
    /// (`decodedStep`, counted from 1) a `Step: N/STEPS` field follows `Shift`: `Steps` stays
    /// the run's (what makes the finished image again), and readers of A1111's format keep a
    /// field they do not know as it is (A1111's own `parse_generation_parameters` does).
    /// `precision` (`ImageGenerator.precisionSummary`) is written as `Precision` when given.
    public static func parameters(settings: GenerationSettings, modelName: String, modelHash: String,
                                  decodedStep: Int? = nil, precision: String? = nil) -> A1111Parameters {
        var parameters = A1111Parameters(settings: settings, modelName: modelName, modelHash: modelHash, precision: precision)
        if let decodedStep {
            let at = (parameters.fields.firstIndex { $0.key == "Shift" } ?? parameters.fields.count - 1) + 1
            parameters.fields.insert(.init(stepKey, "\(decodedStep)/\(settings.steps)"), at: at)
        }
        return parameters
    }

    /// The field of a decoded step's `parameters` chunk.
    public static let stepKey = "Step"

    /// Saves `result` as a favorite: its PNG, then the list with the new entry appended. The
    /// list is read back from disk first (under a lock), so favorites another studio saved to
    /// the same folder meanwhile are kept; `entries` contributes only the ones in `unsaved`
    /// (kept in memory after an earlier failed save), and ids in `removed` (removals that could
    /// not be written) are dropped. Returns the new list and any warning from reading the file.
    /// When the PNG cannot be written nothing is saved.
    /// `decodedStep` (counted from 1): `result.image` is that step decoded with the VAE.
    public func addFavorite(_ result: GenerationResult, seedMode: SeedMode, modelName: String, modelHash: String,
                            to entries: [FavoriteEntry], unsaved: Set<String> = [], removed: Set<String> = [],
                            decodedStep: Int? = nil, precision: String? = nil,
                            now: Date = Date()) throws -> (entries: [FavoriteEntry], warning: String?) {
        guard !isReadOnly else { throw StoreError.readOnly(favoritesFile.path) }
        let path = try writeImage(result.image, settings: result.settings, modelName: modelName, modelHash: modelHash,
                                  folder: "favorites", decodedStep: decodedStep, precision: precision, now: now)
        let entry = FavoriteEntry(settings: result.settings, seedMode: seedMode, modelName: modelName,
                                  modelHash: modelHash, created: now, imagePath: path, decodedStep: decodedStep)
        return try update(entries, unsaved: unsaved, removed: removed, now: now) { $0 + [entry] }
    }

    /// Removes a favorite from the list (its PNG stays on disk), re-reading the list from disk
    /// as `addFavorite` does. Returns the new list and any warning from reading the file.
    public func removeFavorite(id: String, from entries: [FavoriteEntry], unsaved: Set<String> = [],
                               removed: Set<String> = [], now: Date = Date()) throws -> (entries: [FavoriteEntry], warning: String?) {
        try update(entries, unsaved: unsaved, removed: removed.union([id]), now: now) { $0 }
    }

    /// Read–modify–write of the list under an exclusive lock (flock on `.favorites.lock`): the
    /// entries on disk, plus this session's unsaved ones, minus `removed`, changed by `change`,
    /// written atomically.
    func update(_ entries: [FavoriteEntry], unsaved: Set<String>, removed: Set<String>, now: Date,
                _ change: ([FavoriteEntry]) -> [FavoriteEntry]) throws -> (entries: [FavoriteEntry], warning: String?) {
        guard !isReadOnly else { throw StoreError.readOnly(favoritesFile.path) }
        try makeDirectory(directory)
        let lockPath = directory.appendingPathComponent(".favorites.lock").path
        let lock = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lock >= 0 else { throw StoreError.cannotWrite(lockPath, String(cString: strerror(errno))) }
        defer { close(lock) }  // closing releases the lock
        var locked = flock(lock, LOCK_EX)
        while locked != 0 && errno == EINTR { locked = flock(lock, LOCK_EX) }
        guard locked == 0 else {
            throw StoreError.cannotWrite(favoritesFile.path, "cannot lock \(lockPath): \(String(cString: strerror(errno)))")
        }
        let (onDisk, warning) = load(now: now)
        guard !isReadOnly else { throw StoreError.readOnly(favoritesFile.path) }
        let known = Set(onDisk.map(\.id))
        let merged = onDisk + entries.filter { unsaved.contains($0.id) && !known.contains($0.id) }
        let updated = change(merged.filter { !removed.contains($0.id) })
        try save(updated)
        return (updated, warning)
    }

    /// The favorite's PNG, when it has one that reads.
    public func image(of entry: FavoriteEntry) -> RGBImage? {
        guard let path = entry.imagePath else { return nil }
        return try? PNG.read(from: directory.appendingPathComponent(path)).image
    }

    func makeDirectory(_ url: URL) throws {
        if let why = FileSystem.createDirectories(url) { throw StoreError.cannotWrite(url.path, why) }
    }

    /// Through FlowCore's `WritableFile`: a temporary file beside the file `url` (or its
    /// symlinks) leads to, fsync, rename; a replaced file keeps its permissions.
    static func writeAtomically(_ data: Data, to url: URL) throws {
        do {
            try WritableFile.write(data, to: url, example: "favorites.json")
        } catch let error as FileWriteError {
            throw StoreError.cannotWrite(url.path, error.reason)
        }
    }

    /// `<directory>/<prefix>-<time>`, with `-2`, `-3`… when that name is taken.
    func asideURL(_ prefix: String, now: Date) -> URL { Self.asideURL(in: directory, prefix, now: now) }

    /// `<directory>/<prefix>-<time>`, with `-2`, `-3`… when that name is taken: where a studio
    /// file that cannot be read (or a copy before rewriting it) is set aside.
    static func asideURL(in directory: URL, _ prefix: String, now: Date) -> URL {
        var url = directory.appendingPathComponent("\(prefix)-\(Self.stamp(now))")
        var n = 2
        while FileManager.default.fileExists(atPath: url.path) {
            url = directory.appendingPathComponent("\(prefix)-\(Self.stamp(now))-\(n)")
            n += 1
        }
        return url
    }

    static func stamp(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone.current
        f.dateFormat = "yyyyMMdd-HHmmss"
        return f.string(from: date)
    }
}

/// Why the store could not write.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    case cannotWrite(String, String)
    case readOnly(String)

    public var description: String {
        switch self {
        case let .cannotWrite(path, why):
            "cannot write \(path): \(why) (choose another folder with --data-dir or XDG_DATA_HOME)"
        case let .readOnly(path):
            "not saving: \(path) could not be read and is kept as it is"
        }
    }
}
