import Foundation
import Testing
import Training
@testable import Studies

/// The trainer hook the studies measure with: the loss on batches the caller chooses.
@Suite struct TrainerLossOnBatchesTests {
    @Test func equalsTheValidationLossOnTheTrainersOwnSetAndRestoresTheWeights() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("trainer-loss-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var o = Study.quickSettings(depth: 1).base
        o.steps = 3
        o.validationSize = 4
        let trainer = try Trainer(options: o, directory: dir, resume: false)
        try trainer.run(shouldStop: { false }) { _ in }
        let own = trainer.batches.validationBatches()
        let plain = trainer.validationLoss(), ema = trainer.validationLoss(useEMA: true)
        #expect(trainer.loss(on: own) == plain)
        #expect(trainer.loss(on: own, useEMA: true) == ema)
        #expect(plain != ema)                                // after 3 steps the EMA lags the weights
        #expect(trainer.loss(on: own) == plain)              // the EMA swap was undone
        // The studies' fixed set: another seed's examples, a different number.
        let fixed = try ShapesBatches(options: Study.quickSettings(depth: 1).validationOptions).validationBatches()
        #expect(trainer.loss(on: fixed, useEMA: true) != ema)
    }
}
