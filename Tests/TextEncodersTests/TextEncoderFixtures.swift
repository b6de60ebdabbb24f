import Foundation
import Testing
import FlowCore
import TestSupport
import TextEncoders

/// The files of `Tests/Reference/fixtures/text_encoders/` (made by
/// `Tests/Reference/make_text_encoder_fixtures.py`; its README section says what they hold).
enum TextEncoderFixtures {
    static func url(_ name: String) -> URL { ReferenceFixtures.url("text_encoders/" + name) }

    /// `reference.safetensors`: the transformers / diffusers outputs, F32.
    static func reference() throws -> SafeTensorsFile { try SafeTensorsFile(contentsOf: url("reference.safetensors")) }

    /// A reference tensor of token ids (stored as floats) as ids.
    static func ids(_ name: String) throws -> [Int] { try reference().tensor(name).scalars.map { Int($0) } }

    /// The weights of `model` ("clip_l", "clip_g", "t5").
    static func weights(_ model: String) throws -> SafeTensorsFile { try SafeTensorsFile(contentsOf: url(model + "/model.safetensors")) }

    /// The weights of `model` in memory, to add, drop or change keys.
    static func editableWeights(_ model: String) throws -> TensorDictionary {
        let file = try weights(model)
        return TensorDictionary(try file.allTensors(), sourceDescription: file.sourceDescription)
    }
}

/// Asserts with the reference tests' tolerance `relative · max(1, max|ref|)`; returns the closeness.
@discardableResult
func expectClose(_ result: Tensor, _ reference: Tensor, _ what: String, relative: Float = 1e-4) -> Closeness {
    let c = compare(result, reference, relative: relative)
    if !c.ok { Issue.record("\(what): \(c)") }
    return c
}
