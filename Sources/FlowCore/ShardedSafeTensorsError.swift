import Foundation

/// A problem with a sharded safetensors checkpoint (`*.safetensors.index.json` and its shards).
/// The description names the index, and the shard and tensor concerned.
public struct ShardedSafeTensorsError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// The index could not be read (missing, a FIFO or device, too large…: the reader's message).
        case cannotReadIndex(reason: String)
        /// The index is not JSON, or not an object.
        case indexNotJSON(reason: String)
        /// There is no `weight_map` object, or it is empty.
        case noWeightMap
        /// A `weight_map` value is not a string.
        case entryNotAString(tensor: String)
        /// A shard name is not a plain file name in the index's folder (`..`, `/`, absolute path).
        case shardOutsideFolder(shard: String, tensor: String)
        /// A shard named by the index does not exist.
        case shardMissing(shard: String, tensor: String, tensorCount: Int)
        /// A shard could not be opened as a safetensors file (the reader's message).
        case shardUnreadable(shard: String, reason: String)
        /// The index puts a tensor in a shard that does not hold it.
        case tensorNotInShard(tensor: String, shard: String)
    }

    /// The index file.
    public let index: URL
    public let kind: Kind

    public init(_ kind: Kind, index: URL) {
        self.kind = kind
        self.index = index
    }

    public var description: String {
        let file = "sharded checkpoint \(index.path)"
        switch kind {
        case .cannotReadIndex(let reason):
            return "\(file): cannot read the index: \(reason)."
        case .indexNotJSON(let reason):
            return "\(file): the index is not a JSON object (\(reason)); it should be {\"metadata\": {…}, \"weight_map\": {tensor: shard file}}."
        case .noWeightMap:
            return "\(file): the index has no \"weight_map\" naming a shard for each tensor (or it is empty)."
        case .entryNotAString(let tensor):
            return "\(file): weight_map[\"\(tensor)\"] is not a shard file name."
        case .shardOutsideFolder(let shard, let tensor):
            return "\(file): tensor \"\(tensor)\" is mapped to \"\(shard)\", which is not a file name in the index's folder; "
                + "shards must sit beside the index (no folders, no \"..\", no absolute paths)."
        case .shardMissing(let shard, let tensor, let count):
            return "\(file): shard \"\(shard)\" (listed for \(count) tensor\(count == 1 ? "" : "s"), e.g. \"\(tensor)\") is missing "
                + "from \(index.deletingLastPathComponent().path). Download it again, or all the shards the index lists."
        case .shardUnreadable(let shard, let reason):
            return "\(file): shard \"\(shard)\": \(reason)"
        case .tensorNotInShard(let tensor, let shard):
            return "\(file): the index puts tensor \"\(tensor)\" in shard \"\(shard)\", but that shard does not hold it. "
                + "The index and the shards come from different downloads; download them again together."
        }
    }
}
