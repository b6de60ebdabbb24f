import FlowCore
import VAE

/// The SD3 VAE decodes an SD3 pipeline's final latents (the one place that joins the two).
extension VAEDecoder: SD3LatentDecoding {
    /// [1, 16, h, w] in the sampler's space → the 8h × 8w picture, as diffusers' pipeline makes it.
    public func decode(_ latents: Tensor) throws -> RGBImage {
        guard let image = try decodeImages(latents).first else { throw VAEError.inputShape("no latents to decode") }
        return image
    }
}
