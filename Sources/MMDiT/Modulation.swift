import FlowCore

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
