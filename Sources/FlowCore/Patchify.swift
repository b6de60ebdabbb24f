/// The order of the p·p·C features of a patch token.
public enum PatchFeatureOrder: Sendable {
    /// (c, i, j): the input of a stride-p convolution (the MM-DiT's patch embedding).
    case channelsFirst
    /// (i, j, c): the MM-DiT's output projection (diffusers' `einsum("nhwpqc->nchpwq")`).
    case channelsLast
}

/// Turns a latent image `[B, C, H, W]` into patch tokens `[B, (H/p)·(W/p), C·p·p]`, tokens
/// row-major over the patch grid. With `.channelsFirst` (the default) the patch embedding is one
/// matrix product; `.channelsLast` is the inverse of `unpatchify` (targets and gradients of the output).
public func patchify(_ x: Tensor, patch p: Int, order: PatchFeatureOrder = .channelsFirst) -> Tensor {
    precondition(x.rank == 4, "patchify expects [B, C, H, W], got \(x.shape)")
    let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    precondition(height % p == 0 && width % p == 0, "latent \(height)×\(width) is not divisible by patch \(p)")
    let (hp, wp) = (height / p, width / p)
    let features = channels * p * p
    return Tensor(shape: [batch, hp * wp, features]) { out in
        x.scalars.withUnsafeBufferPointer { src in
            for b in 0..<batch {
                for row in 0..<hp {
                    for col in 0..<wp {
                        let token = (b * hp * wp + row * wp + col) * features
                        for c in 0..<channels {
                            for i in 0..<p {
                                let srcRow = ((b * channels + c) * height + row * p + i) * width + col * p
                                for j in 0..<p {
                                    let f = order == .channelsFirst ? (c * p + i) * p + j : (i * p + j) * channels + c
                                    out[token + f] = src[srcRow + j]
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Inverse of the output projection's layout: tokens `[B, hp·wp, p·p·C]` with features in
/// (i, j, c) order (diffusers' `einsum("nhwpqc->nchpwq")`) → image `[B, C, hp·p, wp·p]`.
public func unpatchify(_ x: Tensor, patch p: Int, gridHeight hp: Int, gridWidth wp: Int, channels: Int) -> Tensor {
    precondition(x.rank == 3 && x.shape[1] == hp * wp && x.shape[2] == p * p * channels,
                 "unpatchify: \(x.shape) does not hold \(hp)×\(wp) patches of \(p)×\(p)×\(channels)")
    let batch = x.shape[0]
    let (height, width) = (hp * p, wp * p)
    return Tensor(shape: [batch, channels, height, width]) { out in
        x.scalars.withUnsafeBufferPointer { src in
            for b in 0..<batch {
                for row in 0..<hp {
                    for col in 0..<wp {
                        let token = (b * hp * wp + row * wp + col) * p * p * channels
                        for i in 0..<p {
                            for j in 0..<p {
                                for c in 0..<channels {
                                    out[((b * channels + c) * height + row * p + i) * width + col * p + j] =
                                        src[token + (i * p + j) * channels + c]
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
