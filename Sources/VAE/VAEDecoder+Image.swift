import FlowCore

extension VAEDecoder {
    /// Decoded pictures `[B, 3, H, W]` (about [-1, 1]) as 8-bit images, as diffusers'
    /// `VaeImageProcessor.postprocess` + `numpy_to_pil` make them: `(x/2 + 0.5)` clamped to [0, 1],
    /// then `(v·255).round()` (NumPy rounds half to even; FlowCore's `RGBImage(unitTensor:)` rounds
    /// half away from zero, which differs on exact halves, so the bytes are made here). NaN → 0.
    public static func images(fromDecoded pictures: Tensor) -> [RGBImage] {
        precondition(pictures.rank == 4 && pictures.shape[1] == 3, "pictures must be [B, 3, H, W], got \(pictures.shape)")
        let (batch, h, w) = (pictures.shape[0], pictures.shape[2], pictures.shape[3])
        let plane = h * w
        return (0..<batch).map { b in
            var pixels = [UInt8](repeating: 0, count: plane * 3)
            pictures.scalars.withUnsafeBufferPointer { src in
                for c in 0..<3 {
                    let channel = src.baseAddress! + (b * 3 + c) * plane
                    for i in 0..<plane { pixels[3 * i + c] = byte(channel[i]) }
                }
            }
            return RGBImage(width: w, height: h, pixels: pixels)
        }
    }

    /// One value of the decoder's output as diffusers turns it into a byte.
    @inline(__always)
    static func byte(_ x: Float) -> UInt8 {
        let v = x / 2 + 0.5
        guard v > 0 else { return 0 }  // also NaN
        guard v < 1 else { return 255 }
        return UInt8((v * 255).rounded(.toNearestOrEven))
    }

    /// `decode`, then `images(fromDecoded:)`: MM-DiT latents `[B, 16, h, w]` → B pictures.
    public func decodeImages(_ latents: Tensor, tiling: VAETiling = .automatic) throws(VAEError) -> [RGBImage] {
        Self.images(fromDecoded: try decode(latents, tiling: tiling))
    }
}
