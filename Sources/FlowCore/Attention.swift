import Foundation

/// Multi-head scaled dot-product attention on raw buffers: per head,
/// `softmax(scale·Q·Kᵀ + bias [+ causal mask])·V`.
///
/// `q`, `k`, `v` point at token 0 of batch item 0; token `t` of item `b` starts at
/// `(b·tokens + t)·stride`, and head `h` occupies columns `h·headDim ..< (h+1)·headDim`.
/// The result for head `h` goes to the same columns of `out` (row stride `ldo`).
/// Work is split over (batch, head) pairs; the products inside each run on its thread.
///
/// - `scale`: the factor on the dot products; nil means `1/√headDim` (T5 passes 1).
/// - `scoreBias`: an additive bias [H, T, T] on the scaled scores, the same for every batch item
///   (T5's relative position bias: row = query, column = key).
/// - `causal`: token i attends to tokens 0…i only (CLIP's text transformer); the masked
///   probabilities are exactly 0, as with transformers' additive `finfo.min` mask.
public func multiHeadAttention(
    q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, stride: Int,
    batch: Int, tokens: Int, heads: Int, headDim: Int,
    out: UnsafeMutablePointer<Float>, ldo: Int, precision: MatrixPrecision = .float32,
    scale: Float? = nil, scoreBias: UnsafePointer<Float>? = nil, causal: Bool = false
) {
    let scale = scale ?? 1 / Float(headDim).squareRoot()
    let blockRows = min(tokens, 128)
    let tasks = batch * heads
    nonisolated(unsafe) let scoreBias = scoreBias
    Parallel.forEach(tasks) { task in
        let b = task / heads, h = task % heads
        let base = b * tokens * stride + h * headDim
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * tokens)  // [rows, T]
        defer { scores.deallocate() }
        var row0 = 0
        while row0 < tokens {
            let rows = min(blockRows, tokens - row0)
            // Keys these rows can see: all, or 0 ..< row0 + rows when causal.
            let keys = causal ? row0 + rows : tokens
            // scores = Q[rows] · Kᵀ   [rows, keys]
            sgemm(m: rows, n: keys, k: headDim, a: q + base + row0 * stride, lda: stride,
                  b: k + base, ldb: stride, transposeB: true, c: scores, ldc: tokens, precision: precision)
            if scoreBias == nil && !causal {
                softmaxRows(scores, rows: rows, width: tokens, stride: tokens, scale: scale)
            } else {
                for r in 0..<rows {
                    let row = scores + r * tokens
                    let width = causal ? row0 + r + 1 : keys
                    if let bias = scoreBias {
                        let biasRow = bias + (h * tokens + row0 + r) * tokens  // [H, T, T] row (h, query)
                        for j in 0..<width { row[j] = row[j] * scale + biasRow[j] }
                        softmaxRows(row, rows: 1, width: width, stride: tokens)
                    } else {
                        softmaxRows(row, rows: 1, width: width, stride: tokens, scale: scale)
                    }
                    for j in width..<keys { row[j] = 0 }
                }
            }
            // out[rows, head] = scores · V   [rows, Dh]
            sgemm(m: rows, n: headDim, k: keys, a: scores, lda: tokens,
                  b: v + base, ldb: stride, transposeB: false,
                  c: out + (b * tokens + row0) * ldo + h * headDim, ldc: ldo, precision: precision)
            row0 += rows
        }
    }
}

/// Attention that keeps the softmax probabilities for backward (training): `q`, `k`, `v` with
/// token stride `stride` (head h at columns h·Dh), `probs` [B, H, T, T], output `out` [B, T, H·Dh]
/// (row stride `ldo`). Same products as `multiHeadAttention` but over all T query rows at once.
public func multiHeadAttentionKeepingProbabilities(
    q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, stride: Int,
    batch: Int, tokens: Int, heads: Int, headDim: Int,
    probs: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, ldo: Int, precision: MatrixPrecision = .float32
) {
    let scale = 1 / Float(headDim).squareRoot()
    nonisolated(unsafe) let (q, k, v, probs, out) = (q, k, v, probs, out)
    Parallel.forEach(batch * heads) { task in
        let b = task / heads, h = task % heads
        let base = b * tokens * stride + h * headDim
        let p = probs + task * tokens * tokens
        sgemm(m: tokens, n: tokens, k: headDim, a: q + base, lda: stride, b: k + base, ldb: stride,
              transposeB: true, c: p, ldc: tokens, precision: precision)
        softmaxRows(p, rows: tokens, width: tokens, stride: tokens, scale: scale)
        sgemm(m: tokens, n: headDim, k: tokens, a: p, lda: tokens, b: v + base, ldb: stride,
              transposeB: false, c: out + b * tokens * ldo + h * headDim, ldc: ldo, precision: precision)
    }
}

/// Attention backward: from `dOut` [B, T, H·Dh] (row stride `ldo`) and the kept `probs`, writes
/// `dq`, `dk`, `dv` (same layout as q, k, v: token stride `stride`).
/// dV = Pᵀ·dO; dP = dO·Vᵀ; dS = P ⊙ (dP − rowsum(dP ⊙ P)); dQ = dS·K·scale; dK = dSᵀ·Q·scale.
public func multiHeadAttentionBackward(
    q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, stride: Int,
    probs: UnsafePointer<Float>, dOut: UnsafePointer<Float>, ldo: Int,
    dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>,
    batch: Int, tokens: Int, heads: Int, headDim: Int, precision: MatrixPrecision = .float32
) {
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
              transposeB: false, c: dv + base, ldc: stride, precision: precision)
        // dP[T, T] = dO · Vᵀ
        sgemm(m: tokens, n: tokens, k: headDim, a: dO, lda: ldo, b: v + base, ldb: stride, transposeB: true,
              c: dP, ldc: tokens, precision: precision)
        for i in 0..<tokens {
            let pr = p + i * tokens, dr = dP + i * tokens
            var dot: Float = 0
            for j in 0..<tokens { dot += pr[j] * dr[j] }
            for j in 0..<tokens { dr[j] = pr[j] * (dr[j] - dot) * scale }
        }
        // dQ = dS · K ; dK = dSᵀ · Q
        sgemm(m: tokens, n: headDim, k: tokens, a: dP, lda: tokens, b: k + base, ldb: stride, transposeB: false,
              c: dq + base, ldc: stride, precision: precision)
        sgemm(m: tokens, n: headDim, k: tokens, a: dP, lda: tokens, transposeA: true, b: q + base, ldb: stride,
              transposeB: false, c: dk + base, ldc: stride, precision: precision)
    }
}

/// Attention on tensors `q`, `k`, `v` of shape [B, T, heads·Dh] → [B, T, heads·Dh]; `scale`,
/// `scoreBias` ([heads, T, T]) and `causal` as in `multiHeadAttention`.
public func attention(q: Tensor, k: Tensor, v: Tensor, heads: Int, scale: Float? = nil, scoreBias: Tensor? = nil,
                      causal: Bool = false) -> Tensor {
    precondition(q.shape == k.shape && k.shape == v.shape && q.rank == 3, "attention shapes \(q.shape) \(k.shape) \(v.shape)")
    let (batch, tokens, width) = (q.shape[0], q.shape[1], q.shape[2])
    precondition(width % heads == 0, "width \(width) is not divisible by \(heads) heads")
    precondition(scoreBias.map { $0.shape == [heads, tokens, tokens] } ?? true, "score bias must be [heads, T, T]")
    let bias = scoreBias?.scalars ?? []
    return Tensor(shape: q.shape) { out in
        q.scalars.withUnsafeBufferPointer { pq in
            k.scalars.withUnsafeBufferPointer { pk in
                v.scalars.withUnsafeBufferPointer { pv in
                    bias.withUnsafeBufferPointer { pb in
                        multiHeadAttention(q: pq.baseAddress!, k: pk.baseAddress!, v: pv.baseAddress!, stride: width,
                                           batch: batch, tokens: tokens, heads: heads, headDim: width / heads,
                                           out: out.baseAddress!, ldo: width, scale: scale,
                                           scoreBias: scoreBias == nil ? nil : pb.baseAddress, causal: causal)
                    }
                }
            }
        }
    }
}

/// Plain-loop attention in double precision: the test oracle for `attention` (same options).
public func naiveAttention(q: Tensor, k: Tensor, v: Tensor, heads: Int, scale: Double? = nil, scoreBias: Tensor? = nil,
                           causal: Bool = false) -> Tensor {
    let (batch, tokens, width) = (q.shape[0], q.shape[1], q.shape[2])
    let dh = width / heads
    var out = Tensor(zeros: q.shape)
    let scale = scale ?? 1 / Double(dh).squareRoot()
    for b in 0..<batch {
        for h in 0..<heads {
            for i in 0..<tokens {
                let visible = causal ? i + 1 : tokens
                var logits = [Double](repeating: 0, count: visible)
                for j in 0..<visible {
                    var dot = 0.0
                    for d in 0..<dh {
                        dot += Double(q[b, i, h * dh + d]) * Double(k[b, j, h * dh + d])
                    }
                    logits[j] = dot * scale + Double(scoreBias?[h, i, j] ?? 0)
                }
                let m = logits.max()!
                let e = logits.map { exp($0 - m) }
                let s = e.reduce(0, +)
                for d in 0..<dh {
                    var acc = 0.0
                    for j in 0..<visible { acc += e[j] / s * Double(v[b, j, h * dh + d]) }
                    out[b, i, h * dh + d] = Float(acc)
                }
            }
        }
    }
    return out
}
