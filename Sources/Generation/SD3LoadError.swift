import Foundation

/// An SD3 model that cannot be loaded: a component whose weights do not fit its model, or not
/// enough memory (said before anything large is read).
public enum SD3LoadError: Error, CustomStringConvertible {
    /// `component` from `source` does not load: `reason`.
    case component(SD3Component, String, String)
    /// The estimate (`SD3MemoryEstimate.description`) exceeds what the machine has.
    case notEnoughMemory(String)
    /// A tokenizer file does not open or parse.
    case tokenizer(String)
    /// The MM-DiT was asked to be re-held in another form (`--weights`, the form's short name):
    /// only demo models are re-held; an SD3 model is held as its file stores it.
    case reholdingNotSupported(String)

    public var description: String {
        switch self {
        case let .component(component, source, reason):
            "the \(component) weights in \(source) do not load: \(reason)"
        case let .tokenizer(reason):
            "a tokenizer does not load: \(reason)"
        case let .reholdingNotSupported(form):
            "--weights asks for the weights held as \(form), but re-holding is done for demo models only; an SD3 model's MM-DiT is held as its file stores it (BF16 / F16 / F32, or GGUF blocks): leave out --weights, or load a file stored in that form (e.g. a GGUF Q8_0 conversion)"
        case let .notEnoughMemory(estimate):
            "not enough memory for this model in float32: \(estimate). Close other programs, leave out T5 (it is optional: --no-t5), or use a smaller model; half-precision weights are not supported yet"
        }
    }
}
