import Foundation

/// A checkpoint split into several safetensors files, opened through its index
/// (`model.safetensors.index.json`, `diffusion_pytorch_model.safetensors.index.json`, as
/// transformers and diffusers write for large models such as `text_encoder_3`):
///
/// ```
/// {"metadata": {"total_size": 9524621312}, "weight_map": {"encoder.block.0…q.weight": "model-00001-of-00002.safetensors", …}}
/// ```
///
/// Opening reads the index through `ReadableFile` (at most `maximumIndexByteCount`), checks that
/// every shard name is a plain file name beside the index (no folder part, no `..`, not absolute;
/// a symbolic link is followed, as in the Hugging Face cache), that each shard exists and opens
/// as a safetensors file (memory-mapped: a FIFO or device is refused), and that each shard
/// holds every tensor the map gives it. Tensors a shard holds but the map does not name are not
/// handed out. Each tensor is read, as Float32, only when asked for.
public final class ShardedSafeTensors: TensorProvider, @unchecked Sendable {
    /// The index file.
    public let indexURL: URL
    /// The shards, in the order of their names.
    public let shards: [SafeTensorsFile]
    /// tensor name → index into `shards`
    private let location: [String: Int]
    private let sortedNames: [String]

    /// The largest index read (64 MB; real ones are under 200 kB).
    public static let maximumIndexByteCount = 64 << 20

    /// True for a file name that is a sharded-checkpoint index (`*.safetensors.index.json`).
    public static func isIndexName(_ name: String) -> Bool { name.hasSuffix(".safetensors.index.json") }

    /// Opens the index at `indexURL` and all its shards. Throws `ShardedSafeTensorsError`.
    public init(indexURL: URL) throws {
        func fail(_ kind: ShardedSafeTensorsError.Kind) -> ShardedSafeTensorsError {
            ShardedSafeTensorsError(kind, index: indexURL)
        }
        let data: Data
        do {
            data = try ReadableFile.data(of: indexURL, expected: "a safetensors index (JSON) file",
                                         maximumByteCount: Self.maximumIndexByteCount)
        } catch let error as FileReadError {
            throw fail(.cannotReadIndex(reason: error.description))
        }
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data) } catch {
            throw fail(.indexNotJSON(reason: "not valid JSON"))
        }
        guard let object = root as? [String: Any] else { throw fail(.indexNotJSON(reason: "the top level is not an object")) }
        guard let map = object["weight_map"] as? [String: Any], !map.isEmpty else { throw fail(.noWeightMap) }

        // Shard name → the tensors the map puts in it (sorted, for stable messages).
        var byShard: [String: [String]] = [:]
        for tensor in map.keys.sorted() {
            guard let shard = map[tensor] as? String else { throw fail(.entryNotAString(tensor: tensor)) }
            guard Self.isPlainFileName(shard) else { throw fail(.shardOutsideFolder(shard: shard, tensor: tensor)) }
            byShard[shard, default: []].append(tensor)
        }
        let folder = indexURL.deletingLastPathComponent()
        var shards: [SafeTensorsFile] = []
        var location: [String: Int] = [:]
        for shardName in byShard.keys.sorted() {
            let tensors = byShard[shardName]!
            let url = folder.appendingPathComponent(shardName)
            var status = stat()
            guard stat(url.path, &status) == 0 else {
                throw fail(.shardMissing(shard: shardName, tensor: tensors[0], tensorCount: tensors.count))
            }
            let file: SafeTensorsFile
            do { file = try SafeTensorsFile(contentsOf: url) } catch let error as SafeTensorsError {
                throw fail(.shardUnreadable(shard: shardName, reason: error.description))
            }
            if let absent = tensors.first(where: { !file.contains($0) }) {
                throw fail(.tensorNotInShard(tensor: absent, shard: shardName))
            }
            for tensor in tensors { location[tensor] = shards.count }
            shards.append(file)
        }
        self.indexURL = indexURL
        self.shards = shards
        self.location = location
        self.sortedNames = location.keys.sorted()
    }

    /// A name with no folder part that is not `.` or `..`.
    static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\\") && !name.contains("\0")
    }

    /// The stored dtype of a tensor, or nil when the index does not name it.
    public func dtype(of name: String) -> SafeTensorsDType? {
        location[name].flatMap { shards[$0].dtype(of: name) }
    }

    public var tensorNames: [String] { sortedNames }

    public func tensorShape(_ name: String) -> [Int]? {
        location[name].flatMap { shards[$0].shape(of: name) }
    }

    public func loadTensor(_ name: String) throws -> Tensor {
        guard let shard = location[name] else { throw TensorProviderError.missing(name: name, source: sourceDescription) }
        return try shards[shard].tensor(name)
    }

    public var sourceDescription: String { indexURL.path }

    public func halfStorage(_ name: String) -> ParameterStorage? { dtype(of: name).flatMap(ParameterStorage.init(halfOf:)) }

    public func loadHalfTensor(_ name: String, into destination: UnsafeMutableBufferPointer<UInt16>) throws {
        guard let shard = location[name] else { throw TensorProviderError.missing(name: name, source: sourceDescription) }
        try shards[shard].halfTensor(name, into: destination)
    }
}
