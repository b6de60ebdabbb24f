/// Whether `VAEDecoder.decode` splits a large latent into overlapping tiles.
public enum VAETiling: Sendable, Equatable {
    /// Untiled (exactly diffusers' `decode` without `enable_tiling()`) while one picture's
    /// activations (`VAEDecoder.activationBytes`) stay within `VAEDecoder.untiledMemoryBudget`
    /// (4 GB: SD3 at 1024² needs about 2.7 GB); tiled as `.tiled` above that.
    case automatic
    /// Never tile (exact; memory grows with the picture's area).
    case untiled
    /// Tile whenever the latent exceeds one tile (diffusers with `enable_tiling()`).
    case tiled
}
