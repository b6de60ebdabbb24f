import FlowCore
import Generation
import Testing

@Suite struct InterruptTests {
    /// The bundled model has 4 joint blocks; with CFG each step is one batched forward.
    @Test func aRunStopsWithinTheForwardThatWasInterrupted() throws {
        let url = try #require(DemoPipeline.bundledModelURL)
        let pipeline = try DemoPipeline(contentsOf: url)
        var settings = pipeline.defaultSettings
        settings.prompt = "a red circle"
        var asked = 0
        var steps = 0
        let result = try pipeline.generate(settings, interrupt: {
            asked += 1
            return asked > 6  // blocks 0–3 of step 1, blocks 0–1 of step 2, then stop before block 2
        }, onStep: { _ in
            steps += 1
            return true
        })
        #expect(result == nil)
        #expect(steps == 1)
        #expect(asked == 7)
    }

    @Test func withoutAnInterruptionTheRunFinishes() throws {
        let url = try #require(DemoPipeline.bundledModelURL)
        let pipeline = try DemoPipeline(contentsOf: url)
        var settings = pipeline.defaultSettings
        settings.steps = 2
        var asked = 0
        let result = try pipeline.generate(settings, interrupt: { asked += 1; return false }, onStep: { _ in true })
        #expect(result != nil)
        #expect(asked == 2 * pipeline.description.transformer.depth)
    }
}
