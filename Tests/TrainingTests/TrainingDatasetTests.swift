import Foundation
import Testing
import FlowCore
import TextEncoders
@testable import Training

/// `flowstudio export --dataset`: the file holds exactly the trainer's stream (what
/// Tests/Reference/train_distributed.py trains on in PyTorch).
@Suite struct TrainingDatasetTests {
    static func options() throws -> TrainingOptions {
        var o = tinyOptions()
        o.batchSize = 3
        o.seed = 7
        o.captionDropout = 0.5           // so that dropped captions show up among a few items
        o.sceneMix = try SceneMix(parsing: "0.2,0.5,0.3")
        o.validationSize = 5             // two validation batches (3 + 2)
        return o
    }

    static func floats(_ tokens: [[Int]]) -> [Float] { tokens.flatMap { $0.map(Float.init) } }

    @Test func theFileHoldsTheTrainersItemsAndValidationSetExactly() throws {
        let o = try Self.options()
        let url = temporaryDirectory().appendingPathComponent("data.safetensors")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        // Items 3 ..< 9 are the trainer's batches 1 and 2 at batch size 3.
        let summary = try TrainingDataset.write(options: o, items: 3..<9, to: url)
        #expect(summary.trainingItems == 3..<9 && summary.validationCount == 5 && summary.byteCount > 6 * 3 * 16 * 16 * 4)

        let file = try SafeTensorsFile(contentsOf: url)
        #expect(Set(file.names) == [TrainingDataset.trainImagesKey, TrainingDataset.trainTokensKey, TrainingDataset.validationImagesKey,
                                    TrainingDataset.validationTokensKey, TrainingDataset.validationNoiseKey, TrainingDataset.validationTKey])
        #expect(file.names.allSatisfy { file.dtype(of: $0) == .f32 })
        #expect(file.shape(of: TrainingDataset.trainImagesKey) == [6, 3, 16, 16])
        #expect(file.shape(of: TrainingDataset.trainTokensKey) == [6, 24])
        #expect(file.shape(of: TrainingDataset.validationImagesKey) == [5, 3, 16, 16])
        #expect(file.shape(of: TrainingDataset.validationNoiseKey) == [5, 3, 16, 16])
        #expect(file.shape(of: TrainingDataset.validationTokensKey) == [5, 24])
        #expect(file.shape(of: TrainingDataset.validationTKey) == [5])

        let batches = try ShapesBatches(options: o)
        let stream = [batches.trainingBatch(step: 1), batches.trainingBatch(step: 2)]
        #expect(try file.tensor(TrainingDataset.trainImagesKey).scalars == stream.flatMap(\.images.scalars))
        let tokens = stream.flatMap(\.tokens)
        #expect(try file.tensor(TrainingDataset.trainTokensKey).scalars == Self.floats(tokens))
        let dropped = [WordTokenizer.classToken] + [Int](repeating: WordTokenizer.padToken, count: 23)
        #expect(tokens.contains(dropped), "caption dropout 0.5 drops some of 6 captions (the file holds tokens after dropout)")
        #expect(tokens.contains { $0 != dropped })

        let validation = batches.validationBatches()
        #expect(try file.tensor(TrainingDataset.validationImagesKey).scalars == validation.flatMap(\.images.scalars))
        #expect(try file.tensor(TrainingDataset.validationNoiseKey).scalars == validation.flatMap(\.noise.scalars))
        #expect(try file.tensor(TrainingDataset.validationTKey).scalars == validation.flatMap(\.t))
        #expect(try file.tensor(TrainingDataset.validationTokensKey).scalars == Self.floats(validation.flatMap(\.tokens)))
        #expect(try file.tensor(TrainingDataset.validationTKey).scalars == [0.5, 1.5, 2.5, 3.5, 4.5].map { Float($0) / 16 })

        // The images are what the trainer sees: byte / 127.5 − 1, so every value is on that grid.
        let images = try file.tensor(TrainingDataset.trainImagesKey).scalars
        #expect(images.allSatisfy { v in let b = ((v + 1) * 127.5).rounded(); return b >= 0 && b <= 255 && Float(b) / 127.5 - 1 == v })

        let meta = file.metadata
        #expect(meta[TrainingDataset.formatMetadataKey] == "1" && meta["format"] == "pt")
        #expect(meta[TrainingDataset.firstMetadataKey] == "3" && meta[TrainingDataset.countMetadataKey] == "6")
        let streamJSON = try #require(meta[TrainingDataset.streamMetadataKey])
        let recorded = try JSONSerialization.jsonObject(with: Data(streamJSON.utf8)) as? [String: Any]
        #expect(recorded?["seed"] as? Int == 7 && recorded?["resolution"] as? Int == 16 && recorded?["textLength"] as? Int == 24)
        #expect(recorded?["sceneMix"] as? String == "0.2,0.5,0.3" && recorded?["validationSize"] as? Int == 5)
        #expect(recorded?["captionDropout"] as? Double == 0.5 && recorded?["captionPartDropout"] as? Double == 0.5)
        let words = try JSONSerialization.jsonObject(with: Data(try #require(meta[TrainingDataset.vocabularyMetadataKey]).utf8)) as? [String]
        #expect(words == batches.tokenizer.words)
    }

    @Test func anotherSeedGivesOtherItems() throws {
        var o = try Self.options()
        let a = try TrainingDataset.contents(options: o, items: 0..<2).tensors[TrainingDataset.trainImagesKey]
        o.seed = 8
        let b = try TrainingDataset.contents(options: o, items: 0..<2).tensors[TrainingDataset.trainImagesKey]
        #expect(a?.shape == [2, 3, 16, 16] && a?.scalars != b?.scalars)
    }

    @Test func emptyOrNegativeRangesAreRefusedWithAMessage() throws {
        let o = try Self.options()
        for items in [0..<0, -1..<2, 0..<(TrainingDataset.maximumCount + 1)] {
            #expect(throws: TrainingError.self) { try TrainingDataset.contents(options: o, items: items) }
        }
        do {
            _ = try TrainingDataset.contents(options: o, items: 4..<4)
        } catch {
            #expect("\(error)".contains("a dataset holds 1…"))
        }
    }
}
