import Testing
import MMDiT
import RectifiedFlow
@testable import Generation

/// Family detection from the MM-DiT's structure, the turbo rule, and the defaults.
@Suite struct SD3FamilyTests {
    @Test func realConfigs() {
        #expect(SD3Family.detect(MMDiTConfig(depth: 24), name: "sd3_medium_incl_clips.safetensors") == .sd3Medium)
        #expect(SD3Family.detect(MMDiTConfig(depth: 24, posEmbedMaxSize: 384, qkNorm: true, dualAttentionLayers: Array(0...12)),
                                 name: "sd3.5_medium.safetensors") == .sd35Medium)
        #expect(SD3Family.detect(MMDiTConfig(depth: 38, qkNorm: true), name: "sd3.5_large.safetensors") == .sd35Large)
        #expect(SD3Family.detect(MMDiTConfig(depth: 38, qkNorm: true), name: "stabilityai/stable-diffusion-3.5-large-turbo/transformer") == .sd35LargeTurbo)
        // None of the published models: other depths, qk-norm where there is none, MMDiT-X in other
        // blocks run as `.other` (diffusers' defaults); 4 latent channels are not the SD3 kind at all.
        #expect(SD3Family.detect(MMDiTConfig(depth: 24, qkNorm: true), name: "x") == .other)
        #expect(SD3Family.detect(MMDiTConfig(depth: 24, qkNorm: true, dualAttentionLayers: [0, 1]), name: "x") == .other)
        #expect(SD3Family.detect(MMDiTConfig(depth: 38), name: "x") == .other)
        #expect(SD3Family.detect(MMDiTConfig(depth: 4), name: "turbo") == .other)
        #expect(SD3Family.detect(MMDiTConfig(depth: 24, inChannels: 4, outChannels: 4), name: "x") == nil)
    }

    @Test func defaults() {
        #expect(SD3Family.sd3Medium.defaults == SD3FamilyDefaults(steps: 28, guidance: 7.0, shift: 3.0))
        #expect(SD3Family.sd35Medium.defaults == SD3FamilyDefaults(steps: 40, guidance: 4.5, shift: 3.0,
            skipLayerGuidance: SkipLayerGuidance(layers: [7, 8, 9], scale: 2.8, start: 0.01, stop: 0.2)))
        #expect(SD3Family.sd35Large.defaults == SD3FamilyDefaults(steps: 28, guidance: 3.5, shift: 3.0))
        #expect(SD3Family.sd35LargeTurbo.defaults == SD3FamilyDefaults(steps: 4, guidance: 0, shift: 3.0))
        #expect(SD3Family.other.defaults == SD3FamilyDefaults(steps: 28, guidance: 7.0, shift: 3.0))
        #expect(SD3Family.allCases.map(\.description) == ["SD3-medium", "SD3.5-medium", "SD3.5-large", "SD3.5-large-turbo",
                                                           "SD3-family MM-DiT of another shape"])
    }
}
