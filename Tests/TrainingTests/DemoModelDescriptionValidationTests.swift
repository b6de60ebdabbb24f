import DemoModelFormat
import Foundation
import Testing
import FlowCore
import Generation

/// Issue 17, finding 2: a demo-model file whose stored description holds a hostile value is one
/// clear error naming the field, its value and the allowed range, before anything is allocated
/// (a resolution of −64 or 2^63−1 used to crash `generate`; a context width of 2^32 made even
/// `defaults --model` abort allocating 4 TB).
struct DemoModelDescriptionValidationTests {
    /// The bundled model with its description edited by `edit` (the JSON object), written to a
    /// temporary file.
    static func editedModel(_ edit: (inout [String: Any]) -> Void) throws -> URL {
        let bundled = try #require(DemoPipeline.bundledModelURL)
        let file = try SafeTensorsFile(contentsOf: bundled)
        var object = try #require(try JSONSerialization.jsonObject(with: Data(file.metadata[DemoModelDescription.metadataKey]!.utf8))
                                  as? [String: Any])
        edit(&object)
        var metadata = file.metadata
        metadata[DemoModelDescription.metadataKey] = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString).safetensors")
        try SafeTensors.write(file.allTensors(), metadata: metadata, dtype: file.dtype(of: file.names[0])!, to: url)
        return url
    }

    @Test func theBundledDescriptionIsValid() throws {
        let file = try SafeTensorsFile(contentsOf: try #require(DemoPipeline.bundledModelURL))
        try #require(try DemoModelDescription.read(from: file)).validate()
    }

    @Test(arguments: [
        ("resolution", -64, "resolution is -64; it must be in 1…4096"),
        ("resolution", 1_000_000_000, "resolution is 1000000000; it must be in 1…4096"),
        ("resolution", Int.max, "resolution is 9223372036854775807; it must be in 1…4096"),
        ("resolution", 72, "resolution is 72; it must be a multiple of the patch size 8 and at most 64 (the positional table holds 8×8 patches)"),
        ("defaultSteps", 1 << 40, "defaultSteps is 1099511627776; it must be in 1…1000"),
    ])
    func aHostileValueIsNamedWithItsRange(key: String, value: Int, message: String) throws {
        let url = try Self.editedModel { $0[key] = value }
        defer { try? FileManager.default.removeItem(at: url) }
        #expect { try DemoPipeline(contentsOf: url) } throws: { error in
            "\(error)" == "\(url.path) has a model description ('flowstudio.model' metadata) that cannot be read: invalid model description: \(message); the file is damaged or was edited by hand"
        }
    }

    @Test func aHugeContextWidthIsRefusedBeforeAllocating() throws {
        let url = try Self.editedModel { object in
            var transformer = object["transformer"] as! [String: Any]
            transformer["contextDim"] = 1 << 32
            object["transformer"] = transformer
        }
        defer { try? FileManager.default.removeItem(at: url) }
        #expect { try DemoPipeline(contentsOf: url) } throws: { error in
            "\(error)".contains("invalid model description: transformer: contextDim is 4294967296; it must be in 1…16384")
        }
    }

    @Test func aVocabularyThatDisagreesWithTheEncoderIsRefused() throws {
        let url = try Self.editedModel { object in object["vocabulary"] = ["one", "two"] }
        defer { try? FileManager.default.removeItem(at: url) }
        #expect { try DemoPipeline(contentsOf: url) } throws: { error in
            "\(error)".contains("vocabulary has 2 words, but textEncoder.vocabularySize is 39")
        }
    }
}
