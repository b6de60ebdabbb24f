

// The elementwise pieces of AdaLN-Zero. Modulation vectors come from one Linear(D → k·D) per
// stream and block, as [B, k·D]; chunk j of batch item b starts at b·k·D + j·D.

/// `dst[b, t, :] = src[b, t, :] · (1 + scale[b, :]) + shift[b, :]` for `tokens` rows per item.
/// `shift`/`scale` point at chunk 0 of item 0 of their chunk; `modStride` = k·D.
public func modulate(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>,
              batch: Int, tokens: Int, width: Int,
              shift: UnsafePointer<Float>, scale: UnsafePointer<Float>, modStride: Int) {
    Parallel.forEachChunk(batch * tokens, minChunk: max(1, Parallel.elementwiseGrain / width)) { rows in
        for r in rows {
            let b = r / tokens
            let sh = shift + b * modStride, sc = scale + b * modStride
            let s = src + r * width, d = dst + r * width
            for i in 0..<width { d[i] = s[i] * (1 + sc[i]) + sh[i] }
        }
    }
}

/// `x[b, t, :] += gate[b, :] · y[b, t, :]` (the gated residual of AdaLN-Zero).
public func addGated(_ y: UnsafePointer<Float>, into x: UnsafeMutablePointer<Float>,
              batch: Int, tokens: Int, width: Int, gate: UnsafePointer<Float>, modStride: Int) {
    Parallel.forEachChunk(batch * tokens, minChunk: max(1, Parallel.elementwiseGrain / width)) { rows in
        for r in rows {
            let g = gate + (r / tokens) * modStride
            let s = y + r * width, d = x + r * width
            for i in 0..<width { d[i] += g[i] * s[i] }
        }
    }
}

/// Backward of `modulate`: `dx (= or += when accumulate) dy·(1 + scale)`, `dscale[b] += Σ_t dy·x`,
/// `dshift[b] += Σ_t dy`. `x` is modulate's input; the chunks live in [B, k·D] buffers.
public func modulateBackward(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, scale: UnsafePointer<Float>,
                             dx: UnsafeMutablePointer<Float>, accumulate: Bool,
                             dShift: UnsafeMutablePointer<Float>, dScale: UnsafeMutablePointer<Float>,
                             batch: Int, tokens: Int, width: Int, modStride: Int) {
    for b in 0..<batch {
        let sc = scale + b * modStride, dsh = dShift + b * modStride, dsc = dScale + b * modStride
        for t in 0..<tokens {
            let r = (b * tokens + t) * width
            for i in 0..<width {
                let g = dy[r + i]
                dsh[i] += g
                dsc[i] += g * x[r + i]
                dx[r + i] = (accumulate ? dx[r + i] : 0) + g * (1 + sc[i])
            }
        }
    }
}

/// Backward of `addGated` (`x_out = x_in + gate[b, :]·y`): `dy = dx_out·gate`,
/// `dgate[b] += Σ_t dx_out·y` (dx_in = dx_out is the caller's pass-through).
public func addGatedBackward(dOut: UnsafePointer<Float>, y: UnsafePointer<Float>, gate: UnsafePointer<Float>,
                             dy: UnsafeMutablePointer<Float>, dGate: UnsafeMutablePointer<Float>,
                             batch: Int, tokens: Int, width: Int, modStride: Int) {
    for b in 0..<batch {
        let g = gate + b * modStride, dg = dGate + b * modStride
        for t in 0..<tokens {
            let r = (b * tokens + t) * width
            for i in 0..<width {
                dg[i] += dOut[r + i] * y[r + i]
                dy[r + i] = dOut[r + i] * g[i]
            }
        }
    }
}
