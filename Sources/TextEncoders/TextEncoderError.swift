/// Errors loading or running the demo text encoder.
public enum TextEncoderError: Error, CustomStringConvertible {
    case weights(String)
    case invalidConfig(String)

    public var description: String {
        switch self {
        case let .weights(why): "text encoder weights: \(why)"
        case let .invalidConfig(why): "text encoder description: \(why)"
        }
    }
}
