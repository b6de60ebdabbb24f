/// How `Conv2D` computes a 3×3 convolution (1×1 convs are one product either way).
public enum ConvolutionAlgorithm: String, Sendable, CaseIterable {
    /// Winograd F(2×2, 3×3): 16 products per 2×2 output tile instead of 36 (9 with a fused 2×
    /// upsample). The default.
    case winograd
    /// im2col + `sgemm`, 9 multiply-adds per output pixel and input channel: the plain twin and
    /// the baseline of `flowstudio bench vae`.
    case im2col
}
