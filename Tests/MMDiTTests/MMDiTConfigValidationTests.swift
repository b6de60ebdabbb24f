import Foundation
import Testing
import FlowCore
import MMDiT

/// Issue 17, findings 2 and 3: a stored config or a file's shapes with hostile values give one
/// clear error naming the field, its value and the allowed range, before anything is allocated.
struct MMDiTConfigValidationTests {
    static let small = MMDiTConfig(depth: 2, hiddenSize: 64, heads: 2, patchSize: 2, inChannels: 4, outChannels: 4,
                                   contextDim: 32, pooledDim: 16, posEmbedMaxSize: 8, qkNorm: false,
                                   dualAttentionLayers: [], mlpHiddenSize: 256)

    @Test func theRealModelsAndTheSmallOneAreAccepted() throws {
        try Self.small.validate()
        try MMDiTConfig(depth: 24).validate()  // SD3-medium
        try MMDiTConfig(depth: 38, posEmbedMaxSize: 192, qkNorm: true).validate()  // SD3.5-large
    }

    @Test(arguments: [
        ("contextDim", 1 << 32, "contextDim is 4294967296; it must be in 1…16384"),
        ("depth", -3, "depth is -3; it must be in 1…128"),
        ("posEmbedMaxSize", Int.max, "posEmbedMaxSize is 9223372036854775807; it must be in 1…1024"),
        ("patchSize", 0, "patchSize is 0; it must be in 1…16"),
        ("mlpHiddenSize", 1 << 40, "mlpHiddenSize is 1099511627776; it must be in 1…65536"),
    ])
    func aHostileFieldIsNamedWithItsValueAndRange(field: String, value: Int, message: String) {
        var config = Self.small
        switch field {
        case "contextDim": config.contextDim = value
        case "depth": config.depth = value
        case "posEmbedMaxSize": config.posEmbedMaxSize = value
        case "patchSize": config.patchSize = value
        default: config.mlpHiddenSize = value
        }
        #expect(throws: MMDiTError.invalidConfig(message)) { try config.validate() }
    }

    @Test func aShapeWithinEveryRangeButTooManyParametersInAllIsRefused() {
        let config = MMDiTConfig(depth: 128, hiddenSize: 16_384, heads: 256, patchSize: 2, inChannels: 16, outChannels: 16,
                                 contextDim: 4096, pooledDim: 2048, posEmbedMaxSize: 192, qkNorm: false,
                                 dualAttentionLayers: [], mlpHiddenSize: 65_536)
        #expect { try config.validate() } throws: { "\($0)".contains("at most 16000000000 are supported") }
    }

    /// A safetensors file may legally hold a zero-byte tensor of shape [2^40, 0, 0, 0]:
    /// detection used to divide by the patch size 0 (or go on to allocate a petabyte).
    @Test func zeroByteTensorsWithHugeDimensionsAreRefusedByDetection() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("zero-byte-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let shapes: [(String, [Int])] = [
            ("pos_embed.proj.weight", [1 << 40, 0, 0, 0]), ("pos_embed.pos_embed", [1, 0, 1 << 40]),
            ("transformer_blocks.0.ff.net.0.proj.weight", [0, 1 << 40]), ("context_embedder.weight", [1 << 40, 0]),
            ("time_text_embed.text_embedder.linear_1.weight", [1 << 40, 0]), ("proj_out.weight", [0, 1 << 40]),
        ]
        let entries = shapes.map { "\"\($0.0)\":{\"dtype\":\"F32\",\"shape\":\($0.1),\"data_offsets\":[0,0]}" }
        let header = Array("{\(entries.joined(separator: ","))}".utf8)
        var length = UInt64(header.count).littleEndian
        try (Data(bytes: &length, count: 8) + Data(header)).write(to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        #expect { try MMDiTConfig.detect(from: file) } throws: { error in
            "\(error)".contains("pos_embed.proj.weight has shape [1099511627776, 0, 0, 0], expected [D, C, p, p]: dimension 0 is 1099511627776; it must be in 1…16384")
        }
        #expect(throws: MMDiTError.self) { try MMDiT(weights: file) }
    }

    @Test func aDiffusersConfigWhoseProductOverflowsIsOneClearError() throws {
        let json = #"{"_class_name": "SD3Transformer2DModel", "num_attention_heads": 200, "attention_head_dim": 4611686018427387904}"#
        let config = try JSONDecoder().decode(DiffusersTransformerConfig.self, from: Data(json.utf8))
        #expect(throws: MMDiTError.diffusersConfig(source: "config.json", reason: "attention_head_dim is 4611686018427387904; it must be in 1…16384")) {
            try config.mmditConfig()
        }
    }
}
