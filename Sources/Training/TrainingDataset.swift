import Foundation
import FlowCore
import ShapesWorld
import TextEncoders

// Dimension letters: N examples, V validation examples, C channels (3), H = W = resolution, L tokens.

/// The trainer's data stream written out as one safetensors file, so that another trainer
/// (PyTorch, `Tests/Reference/train_distributed.py`) trains on exactly the examples
/// `flowstudio train` would: `flowstudio export --dataset N --out FILE`.
///
/// All tensors are F32 (FlowCore writes float dtypes only; token ids and pixel values are exact in F32):
///
/// ```
/// train.images       [N, C, H, W]  items first ..< first+N of ShapesBatches' training stream, in [-1, 1]
///                                  (byte / 127.5 − 1, as the trainer sees them)
/// train.tokens       [N, L]        their token ids after caption dropout (0 pads, 1 is <cls>)
/// validation.images  [V, C, H, W]  the fixed validation set (full captions)
/// validation.tokens  [V, L]
/// validation.noise   [V, C, H, W]  its fixed noise ε
/// validation.t       [V]           its fixed t grid ((i mod 16) + 0.5)/16
/// ```
///
/// The training items' noise and t are not written: they depend on the timestep density, which
/// the other trainer samples itself (FlowStudio draws them from the same per-item streams). The
/// metadata holds the options that define the stream (`flowstudio.dataset.stream`: a JSON object
/// with seed, resolution, textLength, sceneMix, captionDropout, captionPartDropout and
/// validationSize), the first item and the count, and the vocabulary (JSON array of words; word i
/// has token id i + 2).
public enum TrainingDataset {
    public static let trainImagesKey = "train.images"
    public static let trainTokensKey = "train.tokens"
    public static let validationImagesKey = "validation.images"
    public static let validationTokensKey = "validation.tokens"
    public static let validationNoiseKey = "validation.noise"
    public static let validationTKey = "validation.t"
    public static let streamMetadataKey = "flowstudio.dataset.stream"
    public static let firstMetadataKey = "flowstudio.dataset.first"
    public static let countMetadataKey = "flowstudio.dataset.count"
    public static let vocabularyMetadataKey = "flowstudio.dataset.vocabulary"
    public static let formatMetadataKey = "flowstudio.dataset.format"
    /// The layout version written in `formatMetadataKey`.
    public static let formatVersion = "1"
    /// The largest number of training items one file may hold (about 49 kB each at 64², so 2.5 GB).
    public static let maximumCount = 50_000

    /// What `write` produced.
    public struct Summary: Sendable {
        /// The file written.
        public let url: URL
        /// The stream items it holds (`train.*`).
        public let trainingItems: Range<Int>
        /// The validation examples it holds (`validation.*`).
        public let validationCount: Int
        /// The file's size in bytes.
        public let byteCount: Int
    }

    /// The options that define the data stream, as the file's metadata records them.
    struct Stream: Codable {
        let seed: UInt64
        let resolution: Int
        let textLength: Int
        let sceneMix: String
        let captionDropout: Double
        let captionPartDropout: Double
        let validationSize: Int
    }

    /// The file's tensors and metadata for training items `items` of the stream `options` defines
    /// (seed, resolution, text length, scene mix, caption dropout, validation size).
    public static func contents(options: TrainingOptions, items: Range<Int>) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        try options.validate()
        guard !items.isEmpty, items.lowerBound >= 0, items.count <= maximumCount else {
            throw TrainingError.invalidOption("a dataset holds 1…\(maximumCount) items from item 0 on (got \(items.count) from item \(items.lowerBound)); write a larger one as several files with --first")
        }
        let batches = try ShapesBatches(options: options)
        let r = options.resolution, l = options.textLength
        // Chunks keep the transient noise the batch builder also draws small.
        var images = [Float](), tokens = [Float]()
        images.reserveCapacity(items.count * 3 * r * r)
        tokens.reserveCapacity(items.count * l)
        for start in stride(from: items.lowerBound, to: items.upperBound, by: 256) {
            let batch = batches.batch(indices: start..<min(items.upperBound, start + 256), validation: false)
            images += batch.images.scalars
            for sequence in batch.tokens { tokens += sequence.map(Float.init) }
        }
        let validation = batches.validationBatches()
        let v = options.validationSize
        var tensors: [String: Tensor] = [
            trainImagesKey: Tensor(shape: [items.count, 3, r, r], scalars: images),      // [N, C, H, W]
            trainTokensKey: Tensor(shape: [items.count, l], scalars: tokens),            // [N, L]
            validationImagesKey: Tensor(shape: [v, 3, r, r], scalars: validation.flatMap(\.images.scalars)),  // [V, C, H, W]
            validationNoiseKey: Tensor(shape: [v, 3, r, r], scalars: validation.flatMap(\.noise.scalars)),    // [V, C, H, W]
            validationTKey: Tensor(shape: [v], scalars: validation.flatMap(\.t)),                             // [V]
        ]
        tensors[validationTokensKey] = Tensor(shape: [v, l], scalars: validation.flatMap { $0.tokens.flatMap { $0.map(Float.init) } })  // [V, L]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let stream = Stream(seed: options.seed, resolution: options.resolution, textLength: options.textLength,
                            sceneMix: "\(options.sceneMix ?? .standard)", captionDropout: options.captionDropout,
                            captionPartDropout: options.captionPartDropout, validationSize: options.validationSize)
        let metadata = [
            "format": "pt",
            formatMetadataKey: formatVersion,
            streamMetadataKey: String(decoding: try encoder.encode(stream), as: UTF8.self),
            firstMetadataKey: "\(items.lowerBound)",
            countMetadataKey: "\(items.count)",
            vocabularyMetadataKey: String(decoding: try encoder.encode(batches.tokenizer.words), as: UTF8.self),
        ]
        return (tensors, metadata)
    }

    /// Writes training items `items` and the validation set of the stream `options` defines to
    /// `url` (atomically).
    @discardableResult
    public static func write(options: TrainingOptions, items: Range<Int>, to url: URL) throws -> Summary {
        let (tensors, metadata) = try contents(options: options, items: items)
        try SafeTensors.write(tensors, metadata: metadata, dtype: .f32, to: url)
        let bytes = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        return Summary(url: url, trainingItems: items, validationCount: options.validationSize, byteCount: bytes)
    }
}
