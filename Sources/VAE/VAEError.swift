import FlowCore

/// What can go wrong building, loading or running the VAE decoder; each description says what
/// is wrong and what to do.
public enum VAEError: Error, CustomStringConvertible, Equatable {
    /// The config numbers cannot describe a decoder (or describe one FlowStudio does not build).
    case invalidConfig(String)
    /// The weights do not look like an AutoencoderKL decoder.
    case cannotDetect(source: String, reason: String)
    /// A latent of the wrong shape was given to `decode`.
    case inputShape(String)

    public var description: String {
        switch self {
        case let .invalidConfig(why):
            return "invalid VAE config: \(why)"
        case let .cannotDetect(source, reason):
            return "\(source) does not look like an AutoencoderKL (SD3 VAE) decoder: \(reason)"
        case let .inputShape(why):
            return "wrong latent shape for the VAE decoder: \(why)"
        }
    }
}
