import Foundation

/// Multi-head scaled dot-product attention without a mask, on raw buffers.
///
/// `q`, `k`, `v` point at token 0 of batch item 0; token `t` of item `b` starts at
/// `(b·tokens + t)·stride`, and head `h` occupies columns `h·headDim ..< (h+1)·headDim`.
/// The result for head `h` goes to the same columns of `out` (row stride `ldo`).
/// Work is split over (batch, head) pairs; the products inside each run on its thread.
public func multiHeadAttention(
    q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, stride: Int,
    batch: Int, tokens: Int, heads: Int, headDim: Int,
    out: UnsafeMutablePointer<Float>, ldo: Int, precision: MatrixPrecision = .float32
) {
    let scale = 1 / Float(headDim).squareRoot()
    let blockRows = min(tokens, 128)
    let tasks = batch * heads
    do {
        Parallel.forEach(tasks) { task in
            let b = task / heads, h = task % heads
            let base = b * tokens * stride + h * headDim
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * tokens)  // [rows, T]
            defer { scores.deallocate() }
            var row0 = 0
            while row0 < tokens {
                let rows = min(blockRows, tokens - row0)
                // scores = Q[rows] · Kᵀ   [rows, T]
                sgemm(m: rows, n: tokens, k: headDim, a: q + base + row0 * stride, lda: stride,
                      b: k + base, ldb: stride, transposeB: true, c: scores, ldc: tokens, precision: precision)
                softmaxRows(scores, rows: rows, width: tokens, stride: tokens, scale: scale)
                // out[rows, head] = scores · V   [rows, Dh]
                sgemm(m: rows, n: headDim, k: tokens, a: scores, lda: tokens,
                      b: v + base, ldb: stride, transposeB: false,
                      c: out + (b * tokens + row0) * ldo + h * headDim, ldc: ldo, precision: precision)
                row0 += rows
            }
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

/// Attention on tensors `q`, `k`, `v` of shape [B, T, heads·Dh] → [B, T, heads·Dh].
public func attention(q: Tensor, k: Tensor, v: Tensor, heads: Int) -> Tensor {
    precondition(q.shape == k.shape && k.shape == v.shape && q.rank == 3, "attention shapes \(q.shape) \(k.shape) \(v.shape)")
    let (batch, tokens, width) = (q.shape[0], q.shape[1], q.shape[2])
    precondition(width % heads == 0, "width \(width) is not divisible by \(heads) heads")
    return Tensor(shape: q.shape) { out in
        q.scalars.withUnsafeBufferPointer { pq in
            k.scalars.withUnsafeBufferPointer { pk in
                v.scalars.withUnsafeBufferPointer { pv in
                    multiHeadAttention(q: pq.baseAddress!, k: pk.baseAddress!, v: pv.baseAddress!, stride: width,
                                       batch: batch, tokens: tokens, heads: heads, headDim: width / heads,
                                       out: out.baseAddress!, ldo: width)
                }
            }
        }
    }
}

/// Plain-loop attention in double precision: the test oracle for `attention`.
public func naiveAttention(q: Tensor, k: Tensor, v: Tensor, heads: Int) -> Tensor {
    let (batch, tokens, width) = (q.shape[0], q.shape[1], q.shape[2])
    let dh = width / heads
    var out = Tensor(zeros: q.shape)
    let scale = 1 / Double(dh).squareRoot()
    for b in 0..<batch {
        for h in 0..<heads {
            for i in 0..<tokens {
                var logits = [Double](repeating: 0, count: tokens)
                for j in 0..<tokens {
                    var dot = 0.0
                    for d in 0..<dh {
                        dot += Double(q[b, i, h * dh + d]) * Double(k[b, j, h * dh + d])
                    }
                    logits[j] = dot * scale
                }
                let m = logits.max()!
                let e = logits.map { exp($0 - m) }
                let s = e.reduce(0, +)
                for d in 0..<dh {
                    var acc = 0.0
                    for j in 0..<tokens { acc += e[j] / s * Double(v[b, j, h * dh + d]) }
                    out[b, i, h * dh + d] = Float(acc)
                }
            }
        }
    }
    return out
}
