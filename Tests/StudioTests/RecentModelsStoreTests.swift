import FlowCore
import Foundation
import Testing
@testable import Studio

/// `models.json`: the recent models, written atomically, read leniently.
@Suite struct RecentModelsStoreTests {
    func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("studio-models-\(UUID().uuidString)")
    }

    @Test func recordPutsTheModelOnTopOnceAndKeepsAtMostTheCapacity() throws {
        let dir = temporaryDirectory().appendingPathComponent("not/yet")
        let store = RecentModelsStore(directory: dir)
        #expect(store.load().entries.isEmpty)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        try store.record(path: "/m/a", name: "a", summary: "A", now: t0)
        try store.record(path: "/m/b", name: "b", summary: "B", now: t0 + 1)
        let (entries, warning) = try store.record(path: "/m/a", name: "a2", summary: "A again", now: t0 + 2)
        #expect(warning == nil)
        #expect(entries.map(\.path) == ["/m/a", "/m/b"])
        let reread = RecentModelsStore(directory: dir).load()
        #expect(reread.warning == nil)
        #expect(reread.entries == entries)
        #expect(reread.entries[0] == RecentModel(path: "/m/a", name: "a2", summary: "A again", lastUsed: t0 + 2))
        for i in 0..<30 { try store.record(path: "/m/\(i)", name: "\(i)", summary: "", now: t0 + Double(3 + i)) }
        let full = store.load().entries
        #expect(full.count == RecentModelsStore.capacity)
        #expect(full.first?.path == "/m/29")
        // Written atomically: no temporary files left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["models.json"])
    }

    @Test func badEntriesAreSkipped() throws {
        let dir = temporaryDirectory()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let json = """
        {"version": 1, "models": [
          {"path": "/m/good", "name": "good", "summary": "fine", "lastUsed": "2026-12-03T10:00:00Z"},
          {"path": "/m/no-name", "summary": "x", "lastUsed": "2026-12-03T10:00:00Z"},
          {"path": "relative/path", "name": "rel", "summary": "x", "lastUsed": "2026-12-03T10:00:00Z"},
          {"path": "/m/bad-date", "name": "d", "summary": "x", "lastUsed": "yesterday"},
          42,
          {"path": "/m/also-good", "name": "also", "summary": "", "lastUsed": "2026-12-02T10:00:00Z"}
        ]}
        """
        try Data(json.utf8).write(to: dir.appendingPathComponent("models.json"))
        let store = RecentModelsStore(directory: dir)
        let (entries, warning) = store.load()
        #expect(entries.map(\.name) == ["good", "also"])
        #expect(warning == "models.json: skipped 4 of 6 recent models that cannot be read (the next model loaded rewrites the list without them)")
        // The next record rewrites it without them.
        try store.record(path: "/m/new", name: "new", summary: "")
        let after = store.load()
        #expect(after.warning == nil)
        #expect(after.entries.map(\.name) == ["new", "good", "also"])
    }

    @Test func anUnreadableFileIsMovedAsideNotOverwritten() throws {
        let dir = temporaryDirectory()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let garbage = Data("{ not json".utf8)
        try garbage.write(to: dir.appendingPathComponent("models.json"))
        let store = RecentModelsStore(directory: dir)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let (entries, warning) = store.load(now: now)
        #expect(entries.isEmpty)
        let aside = dir.appendingPathComponent("models.json.corrupt-\(FavoritesStore.stamp(now))")
        #expect(warning?.hasPrefix("models.json could not be read (") == true)
        #expect(warning?.hasSuffix("moved it to \(aside.path) and started a new list of recent models") == true)
        #expect(try Data(contentsOf: aside) == garbage)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("models.json").path))
        try store.record(path: "/m/a", name: "a", summary: "")
        #expect(store.load().entries.map(\.path) == ["/m/a"])
    }
}
