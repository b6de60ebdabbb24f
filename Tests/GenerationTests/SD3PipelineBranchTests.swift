import FlowCore
@testable import Generation
import Testing
import TestSupport

/// A branch of an SD3 run (the tiny sd3-tiny folder): continued from the parent's latents after
/// K steps, it gives the same final latents, bit for bit, as sampling the parent's K steps again
/// (the `--from` replay), and it differs from both the parent and an unbranched run of its prompt.
@Suite struct SD3PipelineBranchTests {
    @Test func aBranchContinuedFromItsStateIsItsReplay() throws {
        let folder = ReferenceFixtures.url("sd3-tiny")
        let io = try ReferenceFixtures.open("sd3-tiny.io.safetensors")
        let pipeline = try #require(try ModelLoader.load(SD3ModelPaths(model: folder)).generator as? SD3Pipeline)
        let parent = try SD3PipelineReferenceTests.settings("folder", io: io, defaults: pipeline.defaultSettings)
        let k = parent.steps / 2
        var state: Tensor?
        let parentFinal = try #require(try pipeline.sampleLatents(parent, onStep: { progress in
            if progress.step + 1 == k { state = progress.latents }
            return true
        }))
        let resume = try #require(state)
        #expect(resume.shape == parentFinal.shape)  // [1, 16, h, w]

        var edited = parent
        edited.prompt = "a green pear on a blue plate"
        edited.cfgScale = parent.cfgScale + 2
        let branch = edited.branching(from: parent, atStep: k)
        var steps: [Int] = []
        let fast = try #require(try pipeline.sampleLatents(branch, resumingFrom: resume, onStep: { steps.append($0.step); return true }))
        #expect(steps == Array(k..<parent.steps))
        let replayed = try #require(try pipeline.sampleLatents(branch))
        #expect(fast == replayed)
        #expect(fast != parentFinal)
        let unbranched = try #require(try pipeline.sampleLatents(edited))
        #expect(fast != unbranched)
    }
}
