/// Turns a latent image `[B, C, H, W]` into patch tokens `[B, (H/p)·(W/p), C·p·p]`,
/// tokens row-major over the patch grid and features in (c, i, j) order: the layout of a
/// stride-p convolution's input, so the patch embedding is one matrix product.
public func patchify(_ x: Tensor, patch p: Int) -> Tensor {
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
                        var f = 0
                        for c in 0..<channels {
                            for i in 0..<p {
                                let srcRow = ((b * channels + c) * height + row * p + i) * width + col * p
                                for j in 0..<p {
                                    out[token + f] = src[srcRow + j]
                                    f += 1
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
