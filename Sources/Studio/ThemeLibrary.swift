import FlowCore
import Foundation

/// Finds theme files and loads them, falling back to the built-in default with a message
/// when a theme is missing or broken.
public struct ThemeLibrary: Sendable {
    /// Folders searched for `NAME.toml`, first match wins.
    public var directories: [URL]

    public init(directories: [URL]) {
        self.directories = directories
    }

    /// `$FLOWSTUDIO_THEMES`, `<data folder>/themes`, then a `themes/` folder holding
    /// `default.toml` in the current directory or above the executable (the source checkout).
    public static func standard(dataDirectory: URL?, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> ThemeLibrary {
        var dirs: [URL] = []
        if let env = environment["FLOWSTUDIO_THEMES"], !env.isEmpty { dirs.append(URL(fileURLWithPath: env)) }
        if let dataDirectory { dirs.append(dataDirectory.appendingPathComponent("themes")) }
        var starts = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        if let exe = Bundle.main.executableURL?.resolvingSymlinksInPath() { starts.append(exe.deletingLastPathComponent()) }
        for start in starts {
            var dir = start
            for _ in 0..<6 {
                let candidate = dir.appendingPathComponent("themes")
                if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("default.toml").path),
                   !dirs.contains(candidate) {
                    dirs.append(candidate)
                    break
                }
                dir = dir.deletingLastPathComponent()
            }
        }
        return ThemeLibrary(directories: dirs)
    }

    /// The largest theme file read (1 MB; the shipped themes are about 1 kB).
    public static let maximumFileSize = 1_000_000

    /// Theme names available (file names without `.toml`), `default` first, then sorted.
    public func names() -> [String] {
        var names: Set<String> = ["default"]
        for dir in directories {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            for f in files where f.hasSuffix(".toml") { names.insert(String(f.dropLast(5))) }
        }
        return ["default"] + names.subtracting(["default"]).sorted()
    }

    /// The theme named `nameOrPath` (a name searched in `directories`, or a path to a file).
    /// Throws when it is missing or broken; the error says which and why.
    public func theme(_ nameOrPath: String) throws -> Theme {
        let isPath = nameOrPath.contains("/") || nameOrPath.hasSuffix(".toml")
        let url: URL
        if isPath {
            url = URL(fileURLWithPath: nameOrPath)
        } else if let found = directories.map({ $0.appendingPathComponent(nameOrPath + ".toml") })
                    .first(where: { FileManager.default.fileExists(atPath: $0.path) }) {
            url = found
        } else if nameOrPath == "default" {
            return Theme.builtIn
        } else {
            throw ThemeLoadError(name: nameOrPath, error: .notFound(nameOrPath, searched: directories.map(\.path)))
        }
        // FlowCore's one safe open: a FIFO, a device or a folder is refused without blocking.
        let text: String
        do {
            text = try ReadableFile.text(of: url, expected: "a .toml theme file", maximumByteCount: Self.maximumFileSize)
        } catch let error as FileReadError {
            let why: String
            switch error.reason {
            case .notAFile(let type): why = "it is \(type.name), not a file; give a .toml theme file"
            case .cannotOpen(let system), .readFailed(let system): why = system
            case .tooLarge, .notUTF8: why = error.description
            }
            throw ThemeLoadError(name: url.path, error: .unreadable(url.path, why))
        }
        do {
            return try Theme(toml: text, name: url.deletingPathExtension().lastPathComponent)
        } catch {
            throw ThemeLoadError(name: url.path, error: error)
        }
    }

    /// The theme, or the built-in default and a message saying what was wrong.
    public func load(_ nameOrPath: String) -> (theme: Theme, warning: String?) {
        do {
            return (try theme(nameOrPath), nil)
        } catch {
            return (Theme.builtIn, "\(error); using the default theme")
        }
    }
}

/// A theme that could not be loaded: which one, and why.
public struct ThemeLoadError: Error, CustomStringConvertible {
    public let name: String
    public let error: ThemeError
    public var description: String { "theme \(name) \(error)" }
}
