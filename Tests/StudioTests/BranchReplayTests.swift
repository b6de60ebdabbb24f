import FlowCore
import Foundation
import Generation
import Imaging
import RectifiedFlow
import Testing
@testable import Studio

/// Branching from a step with the bundled demo model: the branch continued from the parent's
/// stored state is bit for bit what a replay of its PNG (`--from`) samples from scratch.
@Suite struct BranchReplayTests {
    func pipeline() throws -> DemoPipeline {
        try DemoPipeline(contentsOf: try #require(DemoPipeline.bundledModelURL))
    }

    /// The parent's final image, and its state after `step` steps.
    func parent(_ p: DemoPipeline, _ settings: GenerationSettings, step: Int) throws -> (image: RGBImage, state: Tensor) {
        var state: Tensor?
        let result = try #require(try p.generate(settings) { progress in
            if progress.step + 1 == step { state = progress.latents }
            return true
        })
        return (result.image, try #require(state))
    }

    @Test func aBranchedPNGReplaysBitForBit() throws {
        let p = try pipeline()
        var settings = p.defaultSettings
        settings.prompt = "a red circle at the top left"
        settings.steps = 8
        settings.seed = 42
        let (parentImage, state) = try parent(p, settings, step: 3)
        #expect(state.shape == [1, 3, settings.height, settings.width])

        var edited = settings
        edited.prompt = "a blue square at the bottom right"
        edited.cfgScale = settings.cfgScale + 1.5
        edited.sampler = .heun
        edited.seed = 999  // not the branch's: it continues the parent's noise
        let child = edited.branching(from: settings, atStep: 3)
        #expect(child.seed == 42 && child.steps == 8 && child.branch.count == 1 && child.branchStep == 3)
        var reported: [Int] = []
        let branched = try #require(try p.generate(child, resumingFrom: state, interrupt: { false }) { progress in
            reported.append(progress.step)
            return true
        })
        #expect(reported == Array(3..<8))  // only the steps after the branch point ran
        #expect(branched.image.pixels != parentImage.pixels)

        // The PNG as the studio writes it, read back as `--from` reads it.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("branch-replay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = FavoritesStore(directory: dir)
        let path = try store.writeImage(branched.image, settings: child, modelName: p.modelName, modelHash: p.modelHash,
                                        folder: "outputs")
        let file = dir.appendingPathComponent(path).path
        let text = try #require(try PNG.read(from: URL(fileURLWithPath: file)).text["parameters"])
        #expect(text.contains("Branch: "))
        let restored = try StudioApp.settings(fromPNG: file, defaults: p.defaultSettings)
        #expect(restored.settings == child)
        #expect(restored.warnings.isEmpty)

        // The studio restores it as a branch point without a stored state, and Enter replays it.
        var studio = StudioState(generator: p, live: false, seedSource: SeedSource(seed: 1), initialSettings: restored.settings)
        #expect(studio.branchPoint?.step == 3)
        #expect(studio.branchPoint?.state == nil)
        let effects = studio.handle(.enter, now: 0)
        #expect(effects == [.generate(child, run: 1)])

        let replayed = try #require(try p.generate(restored.settings, resumingFrom: nil, interrupt: { false }) { _ in true })
        #expect(replayed.image.pixels == branched.image.pixels)
        #expect(replayed.image.width == 64)
    }

    /// A branch of a branch from a step before the first branch point keeps only the parts that
    /// made that step, and still replays bit for bit.
    @Test func aBranchOfABranchReplays() throws {
        let p = try pipeline()
        var settings = p.defaultSettings
        settings.prompt = "a green triangle"
        settings.steps = 6
        let (_, state4) = try parent(p, settings, step: 4)
        var edited = settings
        edited.prompt = "a yellow circle"
        let first = edited.branching(from: settings, atStep: 4)
        // The first branch's state after 2 steps is the parent's (its own part starts at 4).
        var state2: Tensor?
        _ = try p.generate(first, resumingFrom: nil, interrupt: { false }) { progress in
            if progress.step == 1 { state2 = progress.latents }
            return true
        }
        var again = settings
        again.prompt = "two red squares"
        again.cfgScale = 2
        let second = again.branching(from: first, atStep: 2)
        #expect(second.branch == [BranchSegment(settings, untilStep: 2)])
        let third = again.branching(from: first, atStep: 5)
        #expect(third.branch == [BranchSegment(settings, untilStep: 4), BranchSegment(edited, untilStep: 5)])
        let afterTwo = state2
        #expect(afterTwo?.shape == [1, 3, 64, 64])
        for (child, state, from) in [(second, afterTwo, 2), (third, nil as Tensor?, 5)] {
            var resume = state
            if resume == nil {
                _ = try p.generate(first, resumingFrom: state4, interrupt: { false }) { progress in
                    if progress.step + 1 == from { resume = progress.latents }
                    return true
                }
            }
            let fast = try #require(try p.generate(child, resumingFrom: resume, interrupt: { false }) { _ in true })
            let text = A1111Parameters(settings: child, modelName: p.modelName).encoded
            let parsed = try A1111Parameters(parsing: text).settings(defaults: p.defaultSettings).settings
            #expect(parsed == child)
            let slow = try #require(try p.generate(parsed, resumingFrom: nil, interrupt: { false }) { _ in true })
            #expect(fast.image.pixels == slow.image.pixels)
        }
    }

    /// Splitting a run into parts with the same settings changes nothing (the sampler's step ranges).
    @Test func partsWithTheSameSettingsAreTheWholeRun() throws {
        let p = try pipeline()
        var settings = p.defaultSettings
        settings.prompt = "a red circle"
        settings.steps = 5
        let whole = try #require(try p.generate(settings) { _ in true })
        var split = settings
        split.branch = [BranchSegment(settings, untilStep: 2), BranchSegment(settings, untilStep: 3)]
        let parts = try #require(try p.generate(split) { _ in true })
        #expect(parts.image.pixels == whole.image.pixels)
    }

    @Test func theBranchFieldRoundTripsAndRefusesNonsense() throws {
        var s = GenerationSettings(prompt: "now \"blue\", square:\nbig", steps: 10, cfgScale: 4.25, seed: 3, shift: 3,
                                   width: 64, height: 64)
        s.branch = [BranchSegment(prompt: "a, b: \"c\"", negativePrompt: "blurry", cfgScale: 1.1, sampler: .heun, untilStep: 4),
                    BranchSegment(prompt: "x", negativePrompt: "", cfgScale: 7, sampler: .euler, untilStep: 9)]
        let text = A1111Parameters(settings: s, modelName: "demo").encoded
        #expect(try A1111Parameters(parsing: text).settings(defaults: s).settings == s)
        var bad = s
        bad.branch[1].untilStep = 10  // not before the last step
        let badText = A1111Parameters(settings: bad, modelName: "demo").encoded
        #expect(throws: A1111ParametersError.self) { try A1111Parameters(parsing: badText).settings(defaults: s) }
        let garbage = "p\nSteps: 10, Sampler: Euler, CFG scale: 4, Seed: 3, Branch: nonsense"
        #expect(throws: A1111ParametersError.self) { try A1111Parameters(parsing: garbage).settings(defaults: s) }
    }
}
