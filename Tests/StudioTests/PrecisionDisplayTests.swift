import FlowCore
import Foundation
import Generation
import Imaging
import Testing
@testable import Studio

/// The model's precision (`ImageGenerator.precisionSummary`: how its weights are held, and the
/// arithmetic) in the status line and in the PNG parameters the studio writes.
@Suite struct PrecisionDisplayTests {
    static let summary = PrecisionSummary.text(matrices: [.bfloat16: 4096, .float32: 64], math: .float32)

    @Test func theSummaryNamesTheLargestShareFirst() {
        #expect(Self.summary == "bf16+f32 weights · f32 math")
        #expect(PrecisionSummary.text(matrices: [:], math: .float32) == "f32 weights · f32 math")
        #expect(PrecisionSummary.text(matrices: [.blocks(.q4_0): 10, .float16: 30], math: .bfloat16) == "f16+Q4_0 weights · bf16 math")
    }

    @Test func theStatusLineShowsThePrecisionBesideTheModel() {
        let generator = TestGenerator()
        generator.precisionSummary = Self.summary
        let s = StudioState(generator: generator, live: false, seedSource: SeedSource(seed: 1))
        let layout = Layout(rows: 40, columns: 140)
        let status = StudioView.render(s, layout: layout, preview: nil).canvas.text(row: layout.status.row)
        #expect(status.contains("test-model · bf16+f32 weights · f32 math · "), "\(status)")
        // Unknown precision: the line is as before.
        let plain = StudioView.render(StudioState(generator: TestGenerator(), live: false, seedSource: SeedSource(seed: 1)),
                                      layout: layout, preview: nil).canvas.text(row: layout.status.row)
        #expect(plain.contains("test-model · ") && !plain.contains("math"), "\(plain)")
    }

    /// On a narrow terminal the summary gives up the precision, then the protocol, before
    /// "live on/off" would be cut (at 84 columns it used to end in "live o…").
    @Test func aNarrowStatusLineDropsThePrecisionBeforeCuttingLive() {
        let generator = TestGenerator()
        generator.precisionSummary = Self.summary
        let s = StudioState(generator: generator, live: false, seedSource: SeedSource(seed: 1))
        for columns in [84, 64] {
            let layout = Layout(rows: 40, columns: columns)
            let status = StudioView.render(s, layout: layout, preview: nil).canvas.text(row: layout.status.row)
            #expect(status.hasSuffix("live off "), "\(columns): \(status)")
        }
        #expect(StudioView.statusSummary(s, columns: 84 / 2) == " test-model · truecolor · live off ")
        #expect(StudioView.statusSummary(s, columns: 200) == " test-model · bf16+f32 weights · f32 math · truecolor · live off ")
        #expect(StudioView.statusSummary(s, columns: 23) == " test-model · live off ")
        #expect(StudioView.statusSummary(s, columns: 18) == " test… · live off ")
    }

    @Test func savedImagesRecordThePrecisionAndReadBackWithoutIt() throws {
        let settings = GenerationSettings(prompt: "a red circle", steps: 4, cfgScale: 3, seed: 7, shift: 3, width: 16, height: 16)
        let written = FavoritesStore.parameters(settings: settings, modelName: "m", modelHash: "h", decodedStep: 2,
                                                precision: Self.summary)
        #expect(written.encoded.contains("Precision: bf16+f32 weights · f32 math, Version: flowstudio"), "\(written.encoded)")
        let parsed = try A1111Parameters(parsing: written.encoded)
        #expect(parsed.precision == Self.summary)
        // Without the field (older images, other programs): nil, and the same settings.
        let old = try A1111Parameters(parsing: FavoritesStore.parameters(settings: settings, modelName: "m", modelHash: "h").encoded)
        #expect(old.precision == nil)
        #expect(try parsed.settings(defaults: settings).settings == (try old.settings(defaults: settings)).settings)

        // The studio's save path writes it into the PNG.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("precision-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = FavoritesStore(directory: folder)
        let path = try store.writeImage(RGBImage(width: 2, height: 2), settings: settings, modelName: "m", modelHash: "h",
                                        folder: "outputs", precision: Self.summary)
        let text = try #require(try PNG.read(from: folder.appendingPathComponent(path)).text["parameters"])
        #expect(try A1111Parameters(parsing: text).precision == Self.summary)
    }
}
