import FlowCore

/// Cheap RGB previews of a latent without running the VAE, for the per-step display.
public enum LatentPreview {
    /// ComfyUI's SD3 latent→RGB factors `F` `[16, 3]`: row = latent channel, columns R, G, B.
    public static let sd3Factors: [[Float]] = [
        [-0.0922, -0.0175, 0.0749], [0.0311, 0.0633, 0.0954], [0.1994, 0.0927, 0.0458], [0.0856, 0.0339, 0.0902],
        [0.0587, 0.0272, -0.0496], [-0.0006, 0.1104, 0.0309], [0.0978, 0.0306, 0.0427], [-0.0042, 0.1038, 0.1358],
        [-0.0194, 0.0020, 0.0669], [-0.0488, 0.0130, -0.0268], [0.0922, 0.0988, 0.0951], [-0.0278, 0.0524, -0.0542],
        [0.0332, 0.0456, 0.0895], [-0.0069, -0.0030, -0.0810], [-0.0596, -0.0465, -0.0293], [-0.1448, -0.1463, -0.1189],
    ]
    /// ComfyUI's SD3 bias `b` for R, G, B.
    public static let sd3Bias: [Float] = [0.2394, 0.2135, 0.1925]

    /// An SD3 latent `[16, H, W]` (the sampler's space, before the VAE's scale and shift) as an
    /// `H × W` picture: `rgb = Fᵀ·x + b` per pixel, clamped to [-1, 1], mapped to 0…255 rounded
    /// (ComfyUI truncates; the difference is at most one level).
    public static func sd3(_ latent: Tensor) -> RGBImage {
        precondition(latent.rank == 3 && latent.shape[0] == 16,
                     "an SD3 latent preview needs [16, H, W], got \(describeShape(latent.shape))")
        let h = latent.shape[1], w = latent.shape[2], plane = h * w
        let rgb = Tensor(shape: [3, h, w]) { out in  // [3, H, W]
            latent.scalars.withUnsafeBufferPointer { x in  // [16, H, W]
                for c in 0..<3 {
                    for i in 0..<plane { out[c * plane + i] = sd3Bias[c] }
                    for k in 0..<16 {
                        let f = sd3Factors[k][c]
                        for i in 0..<plane { out[c * plane + i] += f * x[k * plane + i] }
                    }
                }
            }
        }
        return RGBImage(signedUnitTensor: rgb)
    }

    /// A pixel-space sample `[3, H, W]` in [-1, 1] (the demo model) as a picture: identity map.
    public static func pixelSpace(_ sample: Tensor) -> RGBImage {
        RGBImage(signedUnitTensor: sample)
    }

    /// Picks the preview by channel count: 16 → `sd3`, 3 → `pixelSpace`.
    public static func image(for sample: Tensor) throws -> RGBImage {
        guard sample.rank == 3 else { throw LatentPreviewError.unsupportedShape(sample.shape) }
        switch sample.shape[0] {
        case 16: return sd3(sample)
        case 3: return pixelSpace(sample)
        default: throw LatentPreviewError.unsupportedShape(sample.shape)
        }
    }
}
