import Testing
import TextEncoders

/// Issue 17, finding 2: the demo text encoder's stored config is checked field by field.
struct TextEncoderConfigValidationTests {
    @Test func theBundledShapeIsAccepted() throws {
        try TextEncoderConfig(vocabularySize: 39).validate()
    }

    @Test func aHostileFieldIsNamedWithItsValueAndRange() {
        var config = TextEncoderConfig(vocabularySize: 39)
        config.width = 1 << 32
        #expect { try config.validate() } throws: { "\($0)" == "text encoder description: width is 4294967296; it must be in 1…16384" }
        config = TextEncoderConfig(vocabularySize: 1 << 62)
        #expect { try config.validate() } throws: { "\($0)".contains("vocabularySize is 4611686018427387904; it must be in 3…1000000") }
        config = TextEncoderConfig(vocabularySize: 1_000_000, length: 4096, width: 16_384, layers: 64, heads: 256)
        #expect { try config.validate() } throws: { "\($0)".contains("at most 4000000000 are supported") }
    }
}
