import Generation
import Testing
@testable import Studio

/// The one range validator, as the studio's fields, the command line and the file readers see it.
@Suite struct SamplingLimitsTests {
    @Test func oneMessagePerSetting() {
        #expect(SamplingLimits.stepsRule.problem(with: 0) == "steps must be in 1…1000; 0 is out of range")
        #expect(SamplingLimits.stepsRule.problem(with: 1000) == nil)
        #expect(SamplingLimits.cfgRule.problem(with: -1) == "CFG scale must be in 0…50; -1 is out of range")
        #expect(SamplingLimits.cfgRule.problem(with: 7.5) == nil)
        #expect(SamplingLimits.shiftRule.problem(with: 1e-8) == "shift must be in 0.05…20; 1e-08 is out of range")
        #expect(SamplingLimits.shiftRule.problem(with: 0.05) == nil)
    }

    @Test func theCommandLineNamesItsFlags() {
        #expect(SamplingLimits.stepsRule.problem(with: -1, named: "--steps") == "--steps must be in 1…1000; -1 is out of range")
        #expect(SamplingLimits.cfgRule.problem(with: .nan, named: "--cfg")
            == "--cfg must be a number in 0…50 (1 = no guidance); 'nan' is not one")
        #expect(SamplingLimits.cfgRule.problem(with: 1e9, named: "--cfg") == "--cfg must be in 0…50; 1000000000 is out of range")
    }

    @Test func typedTextIsReadThenChecked() throws {
        #expect(try SamplingLimits.stepsRule.parse("+7") == 7)
        #expect(try SamplingLimits.cfgRule.parse("1e-1") == 0.1)
        #expect(throws: SamplingLimits.Refusal(message: "steps must be a whole number in 1…1000; 'many' is not one")) {
            try SamplingLimits.stepsRule.parse("many")
        }
        #expect(throws: SamplingLimits.Refusal(message: "CFG scale must be in 0…50; 99 is out of range")) {
            try SamplingLimits.cfgRule.parse("99")
        }
        #expect(throws: SamplingLimits.Refusal(message: "shift must be a number in 0.05…20 (SD3 uses 3); 'inf' is not one")) {
            try SamplingLimits.shiftRule.parse("inf")
        }
        // The studio's fields say the same, for the same text.
        #expect(throws: FieldError(field: .cfg, reason: "CFG scale must be in 0…50; 99 is out of range")) {
            try FieldLimits.parseCFG(" 99 ")
        }
        #expect(SamplingLimits.cfgRule.expected == "a number in 0…50")
        #expect(SamplingLimits.stepsRule.clamped(0) == 1 && SamplingLimits.shiftRule.clamped(25) == 20)
    }

    /// Favorites read back are checked by the same rules.
    @Test func settingsOutOfRange() {
        var s = GenerationSettings(prompt: "", steps: 4, cfgScale: 3, seed: 7, shift: 3, width: 16, height: 16)
        #expect(SamplingLimits.problem(with: s) == nil)
        s.cfgScale = .infinity
        #expect(SamplingLimits.problem(with: s) == "CFG scale must be a number in 0…50 (1 = no guidance); 'inf' is not one")
    }
}
