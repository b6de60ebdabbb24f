import FlowCore

/// One stream's side of an attention layer: its fused q/k/v projection, optional per-head
/// RMSNorm on q and k, and its output projection. The image stream of a joint block uses
/// `to_q/to_k/to_v`, `norm_q/norm_k`, `to_out.0`; the context stream `add_{q,k,v}_proj`,
/// `norm_added_{q,k}`, `to_add_out`.
struct StreamAttention {
    /// q, k, v weights stacked: [3D, D] (+ bias [3D]).
    let qkv: Linear
    /// [Dh] each, when the model has qk-norm.
    let normQ: Tensor?, normK: Tensor?
    /// [D, D]; nil for the context stream of the last block (its output is never used).
    let output: Linear?

    init(_ store: WeightStore, _ config: MMDiTConfig, q: String, k: String, v: String,
         normQ normQKey: String, normK normKKey: String, output outputKey: String?) {
        let d = config.hiddenSize
        let projections = [q, k, v].map { store.linear($0, in: d, out: d) }
        qkv = Linear(weight: Tensor(shape: [3 * d, d], scalars: projections.flatMap(\.weight.scalars)),
                     bias: Tensor(shape: [3 * d], scalars: projections.flatMap { $0.bias!.scalars }))
        if config.qkNorm {
            normQ = store.take(normQKey + ".weight", [config.headDim])
            normK = store.take(normKKey + ".weight", [config.headDim])
        } else {
            normQ = nil
            normK = nil
        }
        output = outputKey.map { store.linear($0, in: d, out: d) }
    }

    /// Projects `rows` tokens of `x` (row stride D) to q|k|v rows of `qkvOut` (row stride 3D),
    /// then RMS-normalises each head of q and k.
    func project(rows: Int, x: UnsafePointer<Float>, into qkvOut: UnsafeMutablePointer<Float>, heads: Int) {
        let d = qkv.inFeatures
        qkv.apply(rows: rows, x: x, ldx: d, y: qkvOut, ldy: 3 * d)
        guard let normQ, let normK else { return }
        let dh = d / heads
        normQ.scalars.withUnsafeBufferPointer { wq in
            normK.scalars.withUnsafeBufferPointer { wk in
                Parallel.forEachChunk(rows, minChunk: max(1, Parallel.elementwiseGrain / (2 * d))) { range in
                    for r in range {
                        let row = qkvOut + r * 3 * d
                        for h in 0..<heads {
                            rmsNormRow(row + h * dh, width: dh, weight: wq.baseAddress!)      // q head h
                            rmsNormRow(row + d + h * dh, width: dh, weight: wk.baseAddress!)  // k head h
                        }
                    }
                }
            }
        }
    }
}

/// The feed-forward of a stream: Linear(D, 4D) → GELU (tanh) → Linear(4D, D).
struct FeedForward {
    let up: Linear, down: Linear

    init(_ store: WeightStore, _ config: MMDiTConfig, prefix: String) {
        up = store.linear(prefix + ".net.0.proj", in: config.hiddenSize, out: config.mlpHiddenSize)
        down = store.linear(prefix + ".net.2", in: config.mlpHiddenSize, out: config.hiddenSize)
    }

    /// `x` [..., D] → [..., D].
    func callAsFunction(_ x: Tensor) -> Tensor {
        var hidden = up(x)  // [..., 4D]
        hidden.scalars.withUnsafeMutableBufferPointer { geluTanhInPlace($0.baseAddress!, count: $0.count) }
        return down(hidden)
    }
}
