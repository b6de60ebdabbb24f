import ArgumentParser
import FlowCore

/// How a model's linear weights are held (`--weights`): `bench` holds its random weights this
/// way; `eval`, `generate` and `grid` re-hold a loaded model's MM-DiT matrices this way before
/// running (through the store's load policy `MatrixStorage.rounded`, the same conversion).
enum HeldWeights: String, ExpressibleByArgument, CaseIterable {
    case float32, bfloat16, float16, q8_0, q4_0

    /// The store policy: float32, every `Linear` weight rounded into 16 bits, or quantized into
    /// GGUF blocks by FlowStudio's own quantizer (`GGUFQuantize`, the gguf package's bytes).
    var matrices: MatrixStorage {
        switch self {
        case .float32: .float32
        case .bfloat16: .rounded(.bfloat16)
        case .float16: .rounded(.float16)
        case .q8_0: .rounded(.blocks(.q8_0))
        case .q4_0: .rounded(.blocks(.q4_0))
        }
    }

    /// True for the 16-bit kinds (what `PrecisionChoice.auto` looks at).
    var isHalf: Bool { self == .bfloat16 || self == .float16 }
}
