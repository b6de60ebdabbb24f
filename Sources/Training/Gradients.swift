import Foundation
import FlowCore

// Backward passes of the ops the MM-DiT and the text encoder use (llm.c style: raw buffers,
// parameters' gradients accumulate with +=, activations' gradients are written or accumulated
// as each function says). Row-major; `rows` counts tokens over the whole batch.

/// Linear backward for `y[rows, out] = x[rows, in]·Wᵀ + b`:
/// `dW += dyᵀ·x`, `db += Σ_rows dy`, and `dx (=, or += when accumulateInput) dy·W` when `dx` is given.
func linearBackward(rows: Int, inFeatures: Int, outFeatures: Int,
                    x: UnsafePointer<Float>, ldx: Int, weight: UnsafePointer<Float>,
                    dy: UnsafePointer<Float>, ldy: Int,
                    dx: UnsafeMutablePointer<Float>?, lddx: Int, accumulateInput: Bool,
                    dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>?) {
    // dW[out, in] += dyᵀ[out, rows] · x[rows, in]
    sgemm(m: outFeatures, n: inFeatures, k: rows, a: dy, lda: ldy, transposeA: true,
          b: x, ldb: ldx, transposeB: false, c: dWeight, ldc: inFeatures, beta: 1)
    if let dBias {
        for r in 0..<rows {
            let row = dy + r * ldy
            for j in 0..<outFeatures { dBias[j] += row[j] }
        }
    }
    if let dx {
        // dx[rows, in] = dy[rows, out] · W[out, in]
        sgemm(m: rows, n: inFeatures, k: outFeatures, a: dy, lda: ldy, b: weight, ldb: inFeatures,
              transposeB: false, c: dx, ldc: lddx, beta: accumulateInput ? 1 : 0)
    }
}

/// LayerNorm (no affine) forward that keeps the reciprocal standard deviations for backward:
/// `y = (x − mean)·rstd`, one row of `width` per row.
func layerNormForward(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
                      rows: Int, width: Int, eps: Float = 1e-6) {
    Parallel.forEachChunk(rows, minChunk: max(1, Parallel.elementwiseGrain / width)) { range in
        for r in range {
            let xr = x + r * width, yr = y + r * width
            var mean: Float = 0
            for i in 0..<width { mean += xr[i] }
            mean /= Float(width)
            var variance: Float = 0
            for i in 0..<width { let d = xr[i] - mean; variance += d * d }
            let inv = 1 / (variance / Float(width) + eps).squareRoot()
            rstd[r] = inv
            for i in 0..<width { yr[i] = (xr[i] - mean) * inv }
        }
    }
}

/// LayerNorm (no affine) backward from the normalised output `y` and `rstd`:
/// `dx += rstd·(dy − mean(dy) − y·mean(dy·y))`.
func layerNormBackward(dy: UnsafePointer<Float>, y: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                       dx: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
    Parallel.forEachChunk(rows, minChunk: max(1, Parallel.elementwiseGrain / width)) { range in
        for r in range {
            let dyr = dy + r * width, yr = y + r * width, dxr = dx + r * width
            var meanDy: Float = 0, meanDyY: Float = 0
            for i in 0..<width { meanDy += dyr[i]; meanDyY += dyr[i] * yr[i] }
            meanDy /= Float(width)
            meanDyY /= Float(width)
            let s = rstd[r]
            for i in 0..<width { dxr[i] += s * (dyr[i] - meanDy - yr[i] * meanDyY) }
        }
    }
}

/// RMSNorm forward `y = x·rstd·w` on `rows` rows of `width` with row stride `stride`, keeping rstd.
func rmsNormForward(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, stride: Int,
                    weight: UnsafePointer<Float>, rstd: UnsafeMutablePointer<Float>, rows: Int, width: Int, eps: Float = 1e-6) {
    for r in 0..<rows {
        let xr = x + r * stride, yr = y + r * stride
        var ss: Float = 0
        for i in 0..<width { ss += xr[i] * xr[i] }
        let inv = 1 / (ss / Float(width) + eps).squareRoot()
        rstd[r] = inv
        for i in 0..<width { yr[i] = xr[i] * inv * weight[i] }
    }
}

/// RMSNorm backward: with n = x·rstd, `dw += Σ dy·n`, `dx (= or +=) rstd·(g − n·mean(g·n))`, g = dy·w.
func rmsNormBackward(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, stride: Int, weight: UnsafePointer<Float>,
                     rstd: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, dxStride: Int, accumulate: Bool,
                     dWeight: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
    for r in 0..<rows {
        let dyr = dy + r * stride, xr = x + r * stride, dxr = dx + r * dxStride
        let s = rstd[r]
        var dot: Float = 0
        for i in 0..<width {
            let n = xr[i] * s
            dWeight[i] += dyr[i] * n
            dot += dyr[i] * weight[i] * n
        }
        dot /= Float(width)
        for i in 0..<width {
            let g = dyr[i] * weight[i] * s - xr[i] * s * s * dot
            dxr[i] = accumulate ? dxr[i] + g : g
        }
    }
}

/// SiLU backward: `dx = dy·σ(u)·(1 + u·(1 − σ(u)))`.
func siluBackward(dy: UnsafePointer<Float>, u: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count {
        let s = 1 / (1 + fastExp(-u[i]))
        dx[i] = dy[i] * s * (1 + u[i] * (1 - s))
    }
}

/// Backward of `y[b, t, :] = x[b, t, :]·(1 + scale[b, :]) + shift[b, :]`:
/// `dx (+=) dy·(1 + scale)`, `dscale[b] += Σ_t dy·x`, `dshift[b] += Σ_t dy`.
/// Modulation chunks live in [B, k·D] buffers with stride `modStride`.
func modulateBackward(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, scale: UnsafePointer<Float>,
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

/// Backward of the gated residual `x_out = x_in + gate[b, :]·y`: `dy = dx_out·gate`,
/// `dgate[b] += Σ_t dx_out·y` (dx_in = dx_out is the caller's pass-through).
func gatedResidualBackward(dOut: UnsafePointer<Float>, y: UnsafePointer<Float>, gate: UnsafePointer<Float>,
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

/// Attention forward that keeps the softmax probabilities: `q`, `k`, `v` with token stride
/// `stride` (head h at columns h·Dh), `probs` [B, H, T, T], output `out` [B, T, H·Dh] (stride `ldo`).
func attentionForward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, stride: Int,
                      batch: Int, tokens: Int, heads: Int, headDim: Int,
                      probs: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, ldo: Int) {
    let scale = 1 / Float(headDim).squareRoot()
    nonisolated(unsafe) let (q, k, v, probs, out) = (q, k, v, probs, out)
    Parallel.forEach(batch * heads) { task in
        let b = task / heads, h = task % heads
        let base = b * tokens * stride + h * headDim
        let p = probs + task * tokens * tokens
        sgemm(m: tokens, n: tokens, k: headDim, a: q + base, lda: stride, b: k + base, ldb: stride,
              transposeB: true, c: p, ldc: tokens)
        softmaxRows(p, rows: tokens, width: tokens, stride: tokens, scale: scale)
        sgemm(m: tokens, n: headDim, k: tokens, a: p, lda: tokens, b: v + base, ldb: stride,
              transposeB: false, c: out + b * tokens * ldo + h * headDim, ldc: ldo)
    }
}

/// Attention backward: from `dOut` [B, T, H·Dh] (stride `ldo`) and the saved `probs`, writes
/// `dq`, `dk`, `dv` (same layout as q, k, v: token stride `stride`).
/// dV = Pᵀ·dO; dP = dO·Vᵀ; dS = P ⊙ (dP − rowsum(dP ⊙ P)); dQ = dS·K·scale; dK = dSᵀ·Q·scale.
func attentionBackward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, stride: Int,
                       probs: UnsafePointer<Float>, dOut: UnsafePointer<Float>, ldo: Int,
                       dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>,
                       batch: Int, tokens: Int, heads: Int, headDim: Int) {
    let scale = 1 / Float(headDim).squareRoot()
    nonisolated(unsafe) let (q, k, v, probs, dOut, dq, dk, dv) = (q, k, v, probs, dOut, dq, dk, dv)
    Parallel.forEach(batch * heads) { task in
        let b = task / heads, h = task % heads
        let base = b * tokens * stride + h * headDim
        let p = probs + task * tokens * tokens
        let dO = dOut + b * tokens * ldo + h * headDim
        let dP = UnsafeMutablePointer<Float>.allocate(capacity: tokens * tokens)
        defer { dP.deallocate() }
        // dV[T, Dh] = Pᵀ[T, T] · dO[T, Dh]
        sgemm(m: tokens, n: headDim, k: tokens, a: p, lda: tokens, transposeA: true, b: dO, ldb: ldo,
              transposeB: false, c: dv + base, ldc: stride)
        // dP[T, T] = dO · Vᵀ
        sgemm(m: tokens, n: tokens, k: headDim, a: dO, lda: ldo, b: v + base, ldb: stride, transposeB: true,
              c: dP, ldc: tokens)
        for i in 0..<tokens {
            let pr = p + i * tokens, dr = dP + i * tokens
            var dot: Float = 0
            for j in 0..<tokens { dot += pr[j] * dr[j] }
            for j in 0..<tokens { dr[j] = pr[j] * (dr[j] - dot) * scale }
        }
        // dQ = dS · K ; dK = dSᵀ · Q
        sgemm(m: tokens, n: headDim, k: tokens, a: dP, lda: tokens, b: k + base, ldb: stride, transposeB: false,
              c: dq + base, ldc: stride)
        sgemm(m: tokens, n: headDim, k: tokens, a: dP, lda: tokens, transposeA: true, b: q + base, ldb: stride,
              transposeB: false, c: dk + base, ldc: stride)
    }
}
