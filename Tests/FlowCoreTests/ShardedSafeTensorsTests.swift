import Foundation
import Testing
import TestSupport
@testable import FlowCore

/// `ShardedSafeTensors`: an index and its shards as transformers / diffusers write them, and one
/// test per way an index can be wrong.
@Suite struct ShardedSafeTensorsTests {
    /// A fresh folder, removed when the test ends.
    final class Folder {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sharded-\(UUID().uuidString)")
        init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(at: url) }
        func file(_ name: String) -> URL { url.appendingPathComponent(name) }
        func write(_ text: String, to name: String) throws { try Data(text.utf8).write(to: file(name)) }
    }

    static let indexName = "model.safetensors.index.json"
    static let first = "model-00001-of-00002.safetensors"
    static let second = "model-00002-of-00002.safetensors"

    static func index(_ map: [String: String]) -> String {
        let pairs = map.keys.sorted().map { "\"\($0)\": \"\(map[$0]!)\"" }.joined(separator: ", ")
        return "{\"metadata\": {\"total_size\": 64}, \"weight_map\": {\(pairs)}}"
    }

    /// Two shards: `shared.weight` [2, 3] and `encoder.a` [2] in the first (BF16), `encoder.b` [1] in the second.
    static func makeShards(in folder: Folder) throws {
        try SafeTensors.write(["shared.weight": Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]),
                               "encoder.a": Tensor(shape: [2], scalars: [0.5, -0.25])], dtype: .bf16, to: folder.file(first))
        try SafeTensors.write(["encoder.b": Tensor(shape: [1], scalars: [7])], to: folder.file(second))
    }

    static let goodMap = ["shared.weight": first, "encoder.a": first, "encoder.b": second]

    @Test func readsEveryTensorFromItsShard() throws {
        let folder = try Folder()
        try Self.makeShards(in: folder)
        try folder.write(Self.index(Self.goodMap), to: Self.indexName)
        let sharded = try ShardedSafeTensors(indexURL: folder.file(Self.indexName))
        #expect(sharded.tensorNames == ["encoder.a", "encoder.b", "shared.weight"])
        #expect(sharded.shards.map(\.url.lastPathComponent) == [Self.first, Self.second])
        #expect(sharded.tensorShape("shared.weight") == [2, 3] && sharded.tensorShape("nope") == nil)
        #expect(sharded.dtype(of: "encoder.a") == .bf16 && sharded.dtype(of: "encoder.b") == .f32)
        #expect(try sharded.loadTensor("shared.weight").scalars == [1, 2, 3, 4, 5, 6])
        #expect(try sharded.loadTensor("encoder.a").scalars == [0.5, -0.25])
        #expect(try sharded.loadTensor("encoder.b").scalars == [7])
        #expect(throws: TensorProviderError.self) { try sharded.loadTensor("encoder.c") }
        #expect(sharded.sourceDescription == folder.file(Self.indexName).path)
    }

    @Test func aTensorTheShardDoesNotHold() throws {
        let folder = try Folder()
        try Self.makeShards(in: folder)
        var map = Self.goodMap
        map["encoder.b"] = Self.first
        try folder.write(Self.index(map), to: Self.indexName)
        let error = try #require(throws: ShardedSafeTensorsError.self) { try ShardedSafeTensors(indexURL: folder.file(Self.indexName)) }
        #expect(error.kind == .tensorNotInShard(tensor: "encoder.b", shard: Self.first))
        #expect(error.description.contains("puts tensor \"encoder.b\" in shard \"\(Self.first)\", but that shard does not hold it"))
        #expect(error.description.contains(folder.file(Self.indexName).path))
    }

    @Test func aMissingShard() throws {
        let folder = try Folder()
        try Self.makeShards(in: folder)
        try FileManager.default.removeItem(at: folder.file(Self.second))
        try folder.write(Self.index(Self.goodMap), to: Self.indexName)
        let error = try #require(throws: ShardedSafeTensorsError.self) { try ShardedSafeTensors(indexURL: folder.file(Self.indexName)) }
        #expect(error.kind == .shardMissing(shard: Self.second, tensor: "encoder.b", tensorCount: 1))
        #expect(error.description.contains("shard \"\(Self.second)\" (listed for 1 tensor, e.g. \"encoder.b\") is missing"))
    }

    @Test(arguments: ["../model-00002-of-00002.safetensors", "/etc/passwd", "sub/x.safetensors", "..", ""])
    func aShardOutsideTheFolder(shard: String) throws {
        let folder = try Folder()
        try Self.makeShards(in: folder)
        var map = Self.goodMap
        map["encoder.b"] = shard
        try folder.write(Self.index(map), to: Self.indexName)
        let error = try #require(throws: ShardedSafeTensorsError.self) { try ShardedSafeTensors(indexURL: folder.file(Self.indexName)) }
        #expect(error.kind == .shardOutsideFolder(shard: shard, tensor: "encoder.b"))
        #expect(error.description.contains("is not a file name in the index's folder"))
    }

    @Test func aShardThatIsAFIFO() throws {
        let folder = try Folder()
        try Self.makeShards(in: folder)
        try FileManager.default.removeItem(at: folder.file(Self.second))
        #expect(mkfifo(folder.file(Self.second).path, 0o600) == 0)
        try folder.write(Self.index(Self.goodMap), to: Self.indexName)
        let error = try withFIFOWatchdog(folder.file(Self.second).path) {
            try #require(throws: ShardedSafeTensorsError.self) { try ShardedSafeTensors(indexURL: folder.file(Self.indexName)) }
        }
        guard case .shardUnreadable(let shard, let reason) = error.kind else { Issue.record("\(error)"); return }
        #expect(shard == Self.second && reason.contains("FIFO"))
    }

    @Test func anIndexThatIsAFIFO() throws {
        let folder = try Folder()
        #expect(mkfifo(folder.file(Self.indexName).path, 0o600) == 0)
        let error = try withFIFOWatchdog(folder.file(Self.indexName).path) {
            try #require(throws: ShardedSafeTensorsError.self) { try ShardedSafeTensors(indexURL: folder.file(Self.indexName)) }
        }
        #expect(error.description.contains("cannot read the index") && error.description.contains("FIFO"))
    }

    @Test func malformedIndexes() throws {
        let folder = try Folder()
        try Self.makeShards(in: folder)
        let cases: [(String, ShardedSafeTensorsError.Kind)] = [
            ("{not json", .indexNotJSON(reason: "not valid JSON")),
            ("[1, 2]", .indexNotJSON(reason: "the top level is not an object")),
            ("{\"metadata\": {}}", .noWeightMap),
            ("{\"weight_map\": {}}", .noWeightMap),
            ("{\"weight_map\": {\"encoder.a\": 3}}", .entryNotAString(tensor: "encoder.a")),
        ]
        for (text, kind) in cases {
            try folder.write(text, to: Self.indexName)
            let error = try #require(throws: ShardedSafeTensorsError.self) { try ShardedSafeTensors(indexURL: folder.file(Self.indexName)) }
            #expect(error.kind == kind, "\(text)")
        }
        let missing = try #require(throws: ShardedSafeTensorsError.self) { try ShardedSafeTensors(indexURL: folder.file("absent.index.json")) }
        #expect(missing.description.contains("No such file or directory"))
    }
}
