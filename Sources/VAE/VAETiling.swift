/// Whether `VAEDecoder.decode` splits a large latent into overlapping tiles.
public enum VAETiling: Sendable, Equatable {
    /// Tiled exactly when diffusers' `enable_tiling()` would tile: when the latent is larger than
    /// one tile (`sample_size / 8` latent pixels, 128 for SD3) on either side, i.e. above 1024 px
    /// for SD3. Up to that size the untiled decode needs about 2.7 GB per picture at 1024²
    /// (`VAEDecoder.activationBytes`), which this machine class (24 GB) has.
    case automatic
    /// Never tile (exact; memory grows with the picture's area).
    case untiled
    /// Tile whenever the latent exceeds one tile (diffusers with `enable_tiling()`).
    case tiled
}
