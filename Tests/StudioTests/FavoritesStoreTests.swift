import FlowCore
import Foundation
import Generation
import Imaging
import Testing
@testable import Studio

@Suite struct FavoritesStoreTests {
    func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("studio-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    let result = GenerationResult(image: RGBImage(width: 8, height: 8, fill: RGB(10, 200, 30)),
                                  settings: GenerationSettings(prompt: "red, circle: big", negativePrompt: "blur", steps: 5,
                                                               cfgScale: 2.5, seed: 99, shift: 3, sampler: .heun, width: 8, height: 8),
                                  seconds: 0.1)

    @Test func addLoadAndRemove() throws {
        let dir = temporaryDirectory().appendingPathComponent("not/yet/there")
        let store = FavoritesStore(directory: dir)
        #expect(store.load().entries.isEmpty)
        let list = try store.addFavorite(result, seedMode: .increment, modelName: "m", modelHash: "h", to: []).entries
        #expect(list.count == 1)
        let reloaded = FavoritesStore(directory: dir).load()
        #expect(reloaded.warning == nil)
        #expect(reloaded.entries.count == 1)
        let entry = reloaded.entries[0]
        #expect(entry.settings == result.settings)
        #expect(entry.seedMode == .increment)
        #expect(entry.modelName == "m" && entry.modelHash == "h")
        #expect(abs(entry.created.timeIntervalSince(list[0].created)) < 1)
        // The PNG has the image and the A1111 parameters chunk.
        let png = try PNG.read(from: dir.appendingPathComponent(entry.imagePath!))
        #expect(png.image == result.image)
        let parameters = try A1111Parameters(parsing: png.text["parameters"]!)
        #expect(try parameters.settings(defaults: result.settings).settings == result.settings)
        #expect(store.image(of: entry) == result.image)
        let after = try store.removeFavorite(id: entry.id, from: reloaded.entries).entries
        #expect(after.isEmpty)
        #expect(FavoritesStore(directory: dir).load().entries.isEmpty)
    }

    @Test func writesAtomicallyLeavingNoTemporaryFiles() throws {
        let dir = temporaryDirectory()
        let store = FavoritesStore(directory: dir)
        var list: [FavoriteEntry] = []
        for _ in 0..<3 { list = try store.addFavorite(result, seedMode: .fixed, modelName: "m", modelHash: "h", to: list).entries }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(files.sorted() == [".favorites.lock", "favorites", "favorites.json"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("favorites").path).count == 3)
        // The file is always a complete document.
        let data = try Data(contentsOf: store.favoritesFile)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect(object?["version"] as? Int == 1)
        #expect((object?["favorites"] as? [Any])?.count == 3)
    }

    /// Two studios on one data folder: each save and removal re-reads the list, so neither
    /// loses the other's favorites; unsaved entries of this session are kept too.
    @Test func twoStudiosSharingAFolderKeepEachOthersFavorites() throws {
        let dir = temporaryDirectory()
        let a = FavoritesStore(directory: dir), b = FavoritesStore(directory: dir)
        let listA = try a.addFavorite(result, seedMode: .fixed, modelName: "a", modelHash: "h", to: a.load().entries).entries
        let listB = try b.addFavorite(result, seedMode: .fixed, modelName: "b", modelHash: "h", to: []).entries
        #expect(listB.map(\.modelName) == ["a", "b"])
        let unsaved = FavoriteEntry(settings: result.settings, seedMode: .fixed, modelName: "memory", modelHash: "h", imagePath: nil)
        let afterRemoval = try a.removeFavorite(id: listA[0].id, from: listA + [unsaved], unsaved: [unsaved.id]).entries
        #expect(afterRemoval.map(\.modelName) == ["b", "memory"])
        #expect(FavoritesStore(directory: dir).load().entries.map(\.modelName) == ["b", "memory"])
        // A removal that could not be written is carried out by the next write that succeeds.
        let afterAdd = try a.addFavorite(result, seedMode: .fixed, modelName: "c", modelHash: "h", to: afterRemoval,
                                         removed: [afterRemoval[0].id]).entries
        #expect(afterAdd.map(\.modelName) == ["memory", "c"])
    }

    /// Saves from many studios at once (threads with their own stores, so their locks conflict
    /// as between processes) lose nothing, and no two write the same PNG.
    @Test func concurrentSavesLoseNothing() throws {
        let dir = temporaryDirectory()
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            let store = FavoritesStore(directory: dir)
            #expect(throws: Never.self) {
                _ = try store.addFavorite(result, seedMode: .fixed, modelName: "studio \(i)", modelHash: "h", to: [],
                                          now: Date(timeIntervalSince1970: 1_800_000_000))
            }
        }
        let entries = FavoritesStore(directory: dir).load().entries
        #expect(Set(entries.map(\.modelName)) == Set((0..<8).map { "studio \($0)" }))
        #expect(Set(entries.compactMap(\.imagePath)).count == 8)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("favorites").path).count == 8)
    }

    @Test func corruptFileIsMovedAsideWithAWarning() throws {
        let dir = temporaryDirectory()
        let store = FavoritesStore(directory: dir)
        try Data("{ not json".utf8).write(to: store.favoritesFile)
        let (entries, warning) = store.load()
        #expect(entries.isEmpty)
        let w = try #require(warning)
        #expect(w.contains("could not be read"))
        #expect(w.contains("favorites.json.corrupt-"))
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        let aside = try #require(files.first { $0.hasPrefix("favorites.json.corrupt-") })
        #expect(try String(contentsOf: dir.appendingPathComponent(aside), encoding: .utf8) == "{ not json")
        #expect(!files.contains("favorites.json"))
        // Saving afterwards starts a fresh file and leaves the old one alone.
        _ = try store.addFavorite(result, seedMode: .fixed, modelName: "m", modelHash: "h", to: entries)
        #expect(try String(contentsOf: dir.appendingPathComponent(aside), encoding: .utf8) == "{ not json")
    }

    @Test func wrongShapeIsAlsoCorrupt() throws {
        let dir = temporaryDirectory()
        let store = FavoritesStore(directory: dir)
        try Data(#"{"version": 1, "favorites": {"id": 3}}"#.utf8).write(to: store.favoritesFile)
        let warning = try #require(store.load().warning)
        #expect(warning.contains("could not be read (wrong type at favorites)"))
    }

    /// One unusable entry (an unknown sampler, values out of range) costs only itself: the others
    /// load, the file as it was is copied aside before anything rewrites it, and the warning
    /// says which entries were skipped and why.
    @Test func badEntriesAreSkippedAndTheFileIsKept() throws {
        let dir = temporaryDirectory()
        let store = FavoritesStore(directory: dir)
        let good = try store.addFavorite(result, seedMode: .fixed, modelName: "m", modelHash: "h", to: []).entries
        let goodJSON = String(decoding: try FavoritesStore.encoder().encode(good[0]), as: UTF8.self)
        let badSampler = goodJSON.replacingOccurrences(of: #""sampler" : "heun""#, with: #""sampler" : "dpm""#)
        let badSteps = goodJSON.replacingOccurrences(of: #""steps" : 5"#, with: #""steps" : 0"#)
        #expect(badSampler != goodJSON && badSteps != goodJSON)
        let original = #"{"version": 1, "favorites": [\#(goodJSON), \#(badSampler), 7, \#(badSteps)]}"#
        try Data(original.utf8).write(to: store.favoritesFile)

        let (entries, warning) = store.load(now: Date(timeIntervalSince1970: 0))
        #expect(entries.map(\.id) == good.map(\.id) && entries.map(\.settings) == good.map(\.settings))
        let w = try #require(warning)
        #expect(w.contains("skipped 3 of 4 favorites (#2: invalid value at settings.sampler; #3: wrong type at top level; #4: steps must be in 1…1000; 0 is out of range)"), "\(w)")
        let copy = try #require(try FileManager.default.contentsOfDirectory(atPath: dir.path).first { $0.hasPrefix("favorites.json.bad-entries-") })
        #expect(w.contains(copy))
        #expect(try String(contentsOf: dir.appendingPathComponent(copy), encoding: .utf8) == original)
        #expect(!store.isReadOnly)
        // The file now holds the usable entries, so the next start has nothing to complain about.
        let again = FavoritesStore(directory: dir).load(now: Date(timeIntervalSince1970: 0))
        #expect(again.warning == nil && again.entries.map(\.id) == good.map(\.id))
    }

    /// Issue 17, finding 6: an out-of-range number in one entry used to make the whole file
    /// "not valid JSON" and move it aside.
    @Test func anOutOfRangeNumberSkipsOnlyItsEntry() throws {
        let dir = temporaryDirectory()
        let store = FavoritesStore(directory: dir)
        let good = try store.addFavorite(result, seedMode: .fixed, modelName: "m", modelHash: "h", to: []).entries
        let goodJSON = String(decoding: try FavoritesStore.encoder().encode(good[0]), as: UTF8.self)
        let negativeSeed = goodJSON.replacingOccurrences(of: #""seed" : 99"#, with: #""seed" : -1"#)
        let hugeCFG = goodJSON.replacingOccurrences(of: #""cfgScale" : 2.5"#, with: #""cfgScale" : 1e39"#)
        #expect(negativeSeed != goodJSON && hugeCFG != goodJSON, "\(goodJSON)")
        try Data(#"{"version": 1, "favorites": [\#(negativeSeed), \#(goodJSON), \#(hugeCFG)]}"#.utf8).write(to: store.favoritesFile)

        let (entries, warning) = store.load(now: Date(timeIntervalSince1970: 0))
        #expect(entries.map(\.id) == good.map(\.id))
        let w = try #require(warning)
        #expect(w.contains("skipped 2 of 3 favorites"), "\(w)")
        #expect(w.contains("#1: the number -1 does not fit its field; #3: the number 1e39 does not fit its field"), "\(w)")
    }

    @Test func unwritableFolderGivesAClearError() throws {
        guard getuid() != 0 else { return }  // root writes everywhere; nothing to check
        let dir = temporaryDirectory()
        chmod(dir.path, 0o500)
        defer { chmod(dir.path, 0o700) }
        let store = FavoritesStore(directory: dir.appendingPathComponent("sub"))
        #expect(throws: StoreError.self) {
            _ = try store.addFavorite(result, seedMode: .fixed, modelName: "m", modelHash: "h", to: [])
        }
    }

    @Test func dataFolderIsAFileGivesAClearError() throws {
        let dir = temporaryDirectory()
        let file = dir.appendingPathComponent("file")
        try Data("x".utf8).write(to: file)
        let store = FavoritesStore(directory: file)
        do {
            _ = try store.addFavorite(result, seedMode: .fixed, modelName: "m", modelHash: "h", to: [])
            Issue.record("saving into a file path should fail")
        } catch let error as StoreError {
            #expect(error.description.contains("cannot write"))
            #expect(error.description.contains("--data-dir"))
        }
        #expect(StudioApp.checkWritable(file) == "cannot create the data folder \(file.path) (\(file.path) is a file, not a folder); favorites and exports will fail (use --data-dir or XDG_DATA_HOME)")
        #expect(StudioApp.checkWritable(file.appendingPathComponent("below"))?.contains("(\(file.path) is a file, not a folder)") == true)
        #expect(StudioApp.checkWritable(dir) == nil)
    }

    @Test func defaultDirectoryFollowsXDG() {
        #expect(FavoritesStore.defaultDirectory(environment: ["XDG_DATA_HOME": "/x/data", "HOME": "/home/u"]).path == "/x/data/flowstudio")
        #expect(FavoritesStore.defaultDirectory(environment: ["HOME": "/home/u"]).path == "/home/u/.local/share/flowstudio")
        #expect(FavoritesStore.defaultDirectory(environment: ["XDG_DATA_HOME": "relative", "HOME": "/home/u"]).path == "/home/u/.local/share/flowstudio")
    }
}
