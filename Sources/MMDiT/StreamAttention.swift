import FlowCore

// Legend: R rows (tokens over the whole batch), D width, H heads, Dh head width (D/H).

/// One stream's side of an attention layer: its q/k/v projection (one [3D, D] GEMM: the three
/// weights are stored next to each other, so no copy), optional per-head RMSNorm on q and k, and
/// its output projection. The image stream of a joint block uses `to_q/to_k/to_v`,
/// `norm_q/norm_k`, `to_out.0`; the context stream `add_{q,k,v}_proj`, `norm_added_{q,k}`, `to_add_out`.
struct StreamAttention: Sendable {
    /// q | k | v: weight [3D, D], bias [3D].
    let qkv: Linear
    /// Ids of the RMSNorm weights [Dh], when the model has qk-norm.
    let normQ: Int?, normK: Int?
    /// [D, D]; nil for the context stream of the last block (its output is never used).
    let output: Linear?
    let heads: Int

    init(qkv: Linear, normQ: Int?, normK: Int?, output: Linear?, heads: Int) {
        self.qkv = qkv
        self.normQ = normQ
        self.normK = normK
        self.output = output
        self.heads = heads
    }

    /// Declares the q, k, v projections `prefix + names.q/k/v` (each D → D) so that they form
    /// one [3D, D] matrix and one [3D] bias, and returns them as that one layer.
    static func declareQKV(_ store: ParameterStore, _ prefix: String, _ names: (q: String, k: String, v: String), width d: Int) -> Linear {
        let parts = [names.q, names.k, names.v].map { Linear(store, prefix + $0, in: d, out: d) }
        store.keepContiguous(parts.map(\.weight))
        store.keepContiguous(parts.map { $0.bias! })
        return Linear(weight: parts[0].weight, bias: parts[0].bias, in: d, out: 3 * d)
    }

    /// Declares the per-head RMSNorm weights [Dh] `prefix + q/k.weight` when the model has qk-norm.
    static func declareNorms(_ store: ParameterStore, _ config: MMDiTConfig, q: String, k: String) -> (q: Int, k: Int)? {
        guard config.qkNorm else { return nil }
        return (store.declare(q + ".weight", [config.headDim]), store.declare(k + ".weight", [config.headDim]))
    }

    var width: Int { qkv.inFeatures }

    /// q|k|v rows [R, 3D] (row stride `ldq`) of `x` [R, D].
    func project(_ ctx: ForwardContext, rows: Int, x: UnsafePointer<Float>, into qkvOut: UnsafeMutablePointer<Float>, ldq: Int) {
        qkv.forward(ctx, rows: rows, x: x, ldx: width, y: qkvOut, ldy: ldq)
    }

    /// RMS-normalises each head of q and k in place on `rows` rows of a [R, 3D] buffer; with
    /// `rstdQ`/`rstdK` [R·H], keeps the reciprocal RMS of each head.
    func normalizeQK(_ ctx: ForwardContext, rows: Int, qkv: UnsafeMutablePointer<Float>,
                     rstdQ: UnsafeMutablePointer<Float>?, rstdK: UnsafeMutablePointer<Float>?) {
        guard let normQ, let normK else { return }
        let d = width, heads = heads, dh = d / heads
        let wq = ctx.store.value(normQ), wk = ctx.store.value(normK)
        nonisolated(unsafe) let (qkv, wqp, wkp, rq, rk) = (qkv, UnsafePointer(wq), UnsafePointer(wk), rstdQ, rstdK)
        Parallel.forEachChunk(rows, minChunk: max(1, Parallel.elementwiseGrain / (2 * d))) { range in
            for r in range {
                let row = qkv + r * 3 * d
                for h in 0..<heads {
                    let iq = rmsNormRow(row + h * dh, width: dh, weight: wqp)      // q head h
                    let ik = rmsNormRow(row + d + h * dh, width: dh, weight: wkp)  // k head h
                    rq?[r * heads + h] = iq
                    rk?[r * heads + h] = ik
                }
            }
        }
    }

    /// Backward of `normalizeQK` on `rows` rows: `dqkv` [R, 3D] holds d(normalised q|k|v) and is
    /// turned into d(projected q|k|v) in place (v passes through); `pre` are the rows before the norm.
    func normalizeQKBackward(_ ctx: ForwardContext, rows: Int, pre: UnsafePointer<Float>, dqkv: UnsafeMutablePointer<Float>,
                             rstdQ: UnsafePointer<Float>, rstdK: UnsafePointer<Float>) {
        guard let normQ, let normK else { return }
        let d = width, dh = d / heads
        let dNormed = FloatBuffer(uninitialized: dh)
        for r in 0..<rows {
            for (part, norm, rstd) in [(0, normQ, rstdQ), (1, normK, rstdK)] {
                let base = r * 3 * d + part * d
                for h in 0..<heads {
                    dNormed.p.update(from: dqkv + base + h * dh, count: dh)
                    rmsNormBackward(dy: dNormed.p, x: pre + base + h * dh, stride: dh, weight: ctx.store.value(norm),
                                    rstd: rstd + r * heads + h, dx: dqkv + base + h * dh, dxStride: dh, accumulate: false,
                                    dWeight: ctx.store.grad(norm), rows: 1, width: dh)
                }
            }
        }
    }
}
