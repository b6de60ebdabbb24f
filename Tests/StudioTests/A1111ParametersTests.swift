import FlowCore
import Foundation
import Generation
import Imaging
import RectifiedFlow
import Testing

@Suite struct A1111ParametersTests {
    let settings = GenerationSettings(prompt: "a red circle, above: a blue square", negativePrompt: "blurry\nugly",
                                      steps: 28, cfgScale: 4.5, seed: 1234567890123, shift: 3, sampler: .heun,
                                      width: 64, height: 32)

    @Test func encodesInA1111Order() {
        let p = A1111Parameters(settings: settings, modelName: "demo", modelHash: "abcd1234")
        #expect(p.encoded == """
        a red circle, above: a blue square
        Negative prompt: blurry
        ugly
        Steps: 28, Sampler: Heun, CFG scale: 4.5, Seed: 1234567890123, Size: 64x32, Model hash: abcd1234, Model: demo, Shift: 3, Version: flowstudio
        """)
    }

    @Test func roundTripsSettings() throws {
        let text = A1111Parameters(settings: settings, modelName: "demo", modelHash: "abcd1234").encoded
        let parsed = try A1111Parameters(parsing: text)
        #expect(parsed.prompt == settings.prompt)
        #expect(parsed.negativePrompt == settings.negativePrompt)
        #expect(try parsed.settings(defaults: GenerationSettings(prompt: "", steps: 1, cfgScale: 1, seed: 0, shift: 1, width: 8, height: 8)).settings == settings)
        #expect(parsed["Model"] == "demo")
        #expect(parsed["Model hash"] == "abcd1234")
    }

    @Test func valuesWithCommasColonsNewlinesAndQuotesAreJSONQuoted() throws {
        #expect(A1111Parameters.quote("plain") == "plain")
        #expect(A1111Parameters.quote("a, b") == "\"a, b\"")
        #expect(A1111Parameters.quote("k: v") == "\"k: v\"")
        #expect(A1111Parameters.quote("two\nlines \"q\" \\") == "\"two\\nlines \\\"q\\\" \\\\\"")
        #expect(A1111Parameters.quote("café, 日本") == "\"café, 日本\"")  // ensure_ascii=False
        let tricky = ["model, v2: final", "line\nbreak", "quote \" and \\ back, slash", "ünï, cödé"]
        let p = A1111Parameters(prompt: "p", fields: [.init("Steps", "1"), .init("Seed", "2"), .init("Sampler", "Euler")]
                                + tricky.enumerated().map { .init("Extra \($0.offset)", $0.element) })
        let parsed = try A1111Parameters(parsing: p.encoded)
        for (i, value) in tricky.enumerated() { #expect(parsed["Extra \(i)"] == value) }
        #expect(parsed.fields == p.fields)
    }

    @Test func parsesA1111Output() throws {
        // As AUTOMATIC1111 writes it (negative prompt on one line, "Euler a", Lora hashes quoted).
        let text = """
        masterpiece, 1girl, (red hair:1.2)
        Negative prompt: lowres, bad anatomy
        Steps: 20, Sampler: Euler a, Schedule type: Automatic, CFG scale: 7, Seed: 3053346364, Size: 512x768, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Lora hashes: "add_detail: 7c6bad76eb54, more: 1a2b", Version: v1.10.1
        """
        let p = try A1111Parameters(parsing: text)
        #expect(p.prompt == "masterpiece, 1girl, (red hair:1.2)")
        #expect(p.negativePrompt == "lowres, bad anatomy")
        #expect(p["Lora hashes"] == "add_detail: 7c6bad76eb54, more: 1a2b")
        #expect(p["Version"] == "v1.10.1")
        let s = try p.settings(defaults: GenerationSettings(prompt: "", steps: 1, cfgScale: 1, seed: 0, shift: 3, width: 8, height: 8)).settings
        #expect(s.steps == 20)
        #expect(s.sampler == .euler)
        #expect(s.cfgScale == 7)
        #expect(s.seed == 3053346364)
        #expect(s.width == 512 && s.height == 768)
        #expect(s.shift == 3)  // absent: the default
    }

    @Test func promptWithoutNegativeAndMultiLinePrompt() throws {
        let p = try A1111Parameters(parsing: "first line\nsecond line\nSteps: 5, Seed: 1, Size: 8x8")
        #expect(p.prompt == "first line\nsecond line")
        #expect(p.negativePrompt == "")
        let s = GenerationSettings(prompt: "x\ny", steps: 3, cfgScale: 1, seed: 9, shift: 1, width: 8, height: 8)
        let back = try A1111Parameters(parsing: A1111Parameters(settings: s, modelName: "m").encoded)
        #expect(back.prompt == "x\ny")
        #expect(back["Model hash"] == nil)
    }

    @Test func badInputIsRefusedWithTheReason() {
        #expect(throws: A1111ParametersError.noFields) { try A1111Parameters(parsing: "just a prompt") }
        #expect(throws: A1111ParametersError.noFields) { try A1111Parameters(parsing: "") }
        let defaults = GenerationSettings(prompt: "", steps: 1, cfgScale: 1, seed: 0, shift: 1, width: 8, height: 8)
        #expect(throws: A1111ParametersError.badValue(key: "Steps", value: "many", expected: "a whole number in 1…1000")) {
            try A1111Parameters(parsing: "p\nSteps: many, Seed: 1, Size: 8x8").settings(defaults: defaults)
        }
        #expect(throws: A1111ParametersError.badValue(key: "Steps", value: "0", expected: "a whole number in 1…1000")) {
            try A1111Parameters(parsing: "p\nSteps: 0, Seed: 1, Size: 8x8").settings(defaults: defaults)
        }
        #expect(throws: A1111ParametersError.badValue(key: "Size", value: "big", expected: "WIDTHxHEIGHT, e.g. 64x64")) {
            try A1111Parameters(parsing: "p\nSteps: 2, Seed: 1, Size: big").settings(defaults: defaults)
        }
        #expect(throws: A1111ParametersError.badValue(key: "Shift", value: "0", expected: "a number in 0.05…20")) {
            try A1111Parameters(parsing: "p\nSteps: 2, Seed: 1, Shift: 0").settings(defaults: defaults)
        }
        #expect(A1111ParametersError.badValue(key: "Steps", value: "many", expected: "x").description
            == "the 'Steps' setting 'many' is not valid (expected x)")
    }

    /// An AUTOMATIC1111 image made with a sampler FlowStudio lacks still gives its prompt, seed,
    /// steps and CFG, with a warning about the sampler.
    @Test func anUnknownSamplerKeepsTheRestWithAWarning() throws {
        let defaults = GenerationSettings(prompt: "", steps: 1, cfgScale: 1, seed: 0, shift: 1, width: 8, height: 8)
        let text = "a castle\nSteps: 30, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 1234, Size: 8x8"
        let (settings, warnings) = try A1111Parameters(parsing: text).settings(defaults: defaults)
        #expect(settings.prompt == "a castle" && settings.steps == 30 && settings.cfgScale == 7 && settings.seed == 1234)
        #expect(settings.sampler == .euler)
        #expect(warnings == ["the sampler 'DPM++ 2M Karras' is not one FlowStudio has (Euler, Heun); using Euler"])
    }

    @Test func torchNoiseIsRecordedAndReadBackWhilePhiloxIsNotWritten() throws {
        #expect(!A1111Parameters(settings: settings, modelName: "demo").encoded.contains("Noise"))
        var torch = settings
        torch.noise = .torch
        let p = A1111Parameters(settings: torch, modelName: "demo", modelHash: "abcd1234")
        #expect(p.encoded.hasSuffix("Model: demo, Shift: 3, Noise: torch, Version: flowstudio"))
        let defaults = GenerationSettings(prompt: "", steps: 1, cfgScale: 1, seed: 0, shift: 1, width: 8, height: 8)
        #expect(try A1111Parameters(parsing: p.encoded).settings(defaults: defaults).settings == torch)
        // An image without the field keeps the default's noise; a value FlowStudio does not have is refused.
        var torchDefaults = defaults
        torchDefaults.noise = .torch
        #expect(try A1111Parameters(parsing: "p\nSteps: 2, Seed: 3, Sampler: Euler").settings(defaults: torchDefaults).settings.noise == .torch)
        #expect(throws: A1111ParametersError.badValue(key: "Noise", value: "cuda", expected: "philox or torch")) {
            try A1111Parameters(parsing: "p\nSteps: 2, Seed: 3, Noise: cuda").settings(defaults: defaults)
        }
    }

    @Test func skipLayerGuidanceIsRecordedAndReadBack() throws {
        var slg = settings
        slg.skipLayerGuidance = SkipLayerGuidance(layers: [7, 8, 9], scale: 2.8, start: 0.01, stop: 0.2)
        let p = A1111Parameters(settings: slg, modelName: "sd3.5", modelHash: "abcd1234")
        #expect(p.encoded.hasSuffix("Shift: 3, SLG layers: \"7,8,9\", SLG scale: 2.8, SLG range: 0.01-0.2, Version: flowstudio"))
        let defaults = GenerationSettings(prompt: "", steps: 1, cfgScale: 1, seed: 0, shift: 1, width: 8, height: 8)
        #expect(try A1111Parameters(parsing: p.encoded).settings(defaults: defaults).settings == slg)
        #expect(!A1111Parameters(settings: settings, modelName: "demo").encoded.contains("SLG"))
        #expect(throws: A1111ParametersError.badValue(key: "SLG range", value: "0.5", expected: "START-STOP as fractions, e.g. 0.01-0.2")) {
            try A1111Parameters(parsing: "p\nSteps: 2, SLG layers: 1, SLG range: 0.5").settings(defaults: defaults)
        }
    }

    @Test func torchNoiseRoundTripsThroughAPNG() throws {
        var torch = settings
        torch.noise = .torch
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("a1111-noise-\(UUID().uuidString).png")
        defer { try? FileManager.default.removeItem(at: url) }
        let text = A1111Parameters(settings: torch, modelName: "demo").encoded
        try PNG.write(RGBImage(width: 2, height: 2), to: url, text: [("parameters", text)])
        let read = try #require(try PNG.read(from: url).text["parameters"])
        let defaults = GenerationSettings(prompt: "", steps: 1, cfgScale: 1, seed: 0, shift: 1, width: 8, height: 8)
        #expect(try A1111Parameters(parsing: read).settings(defaults: defaults).settings == torch)
    }

    @Test func settingsJSONOmitsDefaultNoiseAndReadsOldFiles() throws {
        let json = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
        #expect(!json.contains("noise"))
        #expect(try JSONDecoder().decode(GenerationSettings.self, from: Data(json.utf8)) == settings)
        var torch = settings
        torch.noise = .torch
        let torchJSON = try JSONEncoder().encode(torch)
        #expect(String(decoding: torchJSON, as: UTF8.self).contains("\"noise\":\"torch\""))
        #expect(try JSONDecoder().decode(GenerationSettings.self, from: torchJSON) == torch)
    }
}
