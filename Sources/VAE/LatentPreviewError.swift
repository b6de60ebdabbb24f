import FlowCore

/// Why a latent cannot be previewed.
public enum LatentPreviewError: Error, Equatable, CustomStringConvertible {
    case unsupportedShape([Int])

    public var description: String {
        switch self {
        case let .unsupportedShape(shape):
            return "cannot preview a tensor of shape \(describeShape(shape)): expected [16, H, W] (SD3 latent) or [3, H, W] (pixels)"
        }
    }
}
