import TestSupport
import FlowCore
import Foundation
import Testing
@testable import Studio

/// The studio's own files through FlowCore's one read path and one write path: favorites.json
/// and theme files that are FIFOs, folders, symlinks or too large.
@Suite struct StudioFilesTests {
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("studio-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func favoritesSavedThroughASymlinkKeepTheLinkAndTheMode() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = FavoritesStore(directory: dir)
        let real = dir.appendingPathComponent("real-favorites.json")
        try Data(#"{"version": 1, "favorites": []}"#.utf8).write(to: real)
        #expect(chmod(real.path, 0o600) == 0)
        try FileManager.default.createSymbolicLink(atPath: store.favoritesFile.path, withDestinationPath: "real-favorites.json")
        #expect(store.load().entries.isEmpty)
        try store.save([])
        var status = stat()
        #expect(lstat(store.favoritesFile.path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFLNK)
        #expect(stat(real.path, &status) == 0 && status.st_mode & 0o777 == 0o600)
        #expect(try String(contentsOf: real, encoding: .utf8).contains("\"version\" : 1"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["favorites.json", "real-favorites.json"])
    }

    @Test func aFavoritesFIFOIsNotWaitedOn() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = FavoritesStore(directory: dir)
        #expect(mkfifo(store.favoritesFile.path, 0o600) == 0)
        let (entries, warning) = withFIFOWatchdog(store.favoritesFile.path) { store.load() }
        #expect(entries.isEmpty)
        #expect(warning?.contains("is a FIFO (named pipe), not a file; give a favorites JSON file") == true, "\(warning ?? "")")
    }

    @Test func anOversizedFavoritesFileIsRefusedUnread() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = FavoritesStore(directory: dir)
        #expect(FileManager.default.createFile(atPath: store.favoritesFile.path, contents: nil))
        #expect(truncate(store.favoritesFile.path, off_t(FavoritesStore.maximumFileSize + 1)) == 0)
        let warning = store.load().warning
        #expect(warning?.contains("larger than a favorites JSON file may be (at most 64 MB)") == true, "\(warning ?? "")")
    }

    @Test func aThemeThatIsAFIFOAFolderOrTooLargeIsOneClearError() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let library = ThemeLibrary(directories: [dir])
        let fifo = dir.appendingPathComponent("pipe.toml")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        let fifoError = withFIFOWatchdog(fifo.path) { library.load(fifo.path).warning }
        #expect(fifoError == "theme \(fifo.path) cannot be read from \(fifo.path): it is a FIFO (named pipe), not a file; give a .toml theme file; using the default theme")

        let folder = dir.appendingPathComponent("folder.toml")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        #expect(library.load(folder.path).warning?.contains("it is a directory, not a file; give a .toml theme file") == true)

        let big = dir.appendingPathComponent("big.toml")
        #expect(FileManager.default.createFile(atPath: big.path, contents: nil))
        #expect(truncate(big.path, 5_000_000) == 0)
        #expect(library.load(big.path).warning?.contains("is 5 MB, larger than a .toml theme file may be (at most 1 MB)") == true)
    }
}
