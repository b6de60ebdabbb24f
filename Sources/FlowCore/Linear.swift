/// A fully connected layer `y = x·Wᵀ + b` over tensors of a `ParameterStore`, stored as PyTorch
/// stores `nn.Linear` (weight [out, in], bias [out]). Forward and backward on raw row buffers.
///
/// The weight is declared as a matrix (`declareMatrix`): a store that keeps weights as stored
/// may hold it in 16 bits or as GGUF blocks, and `forward` then multiplies it through
/// `blockWeightGEMM`.
/// Backward needs a float32 weight (training stores are float32).
public struct Linear: Sendable {
    /// Id of the weight [out, in] (a convolution may store it as [out, C, p, p]).
    public let weight: Int
    /// Id of the bias [out], or nil.
    public let bias: Int?
    public let inFeatures: Int
    public let outFeatures: Int

    /// Declares `prefix.weight` (and `prefix.bias`). `weightShape` overrides the stored shape of
    /// the weight; it must hold out·in elements.
    public init(_ store: ParameterStore, _ prefix: String, in inFeatures: Int, out outFeatures: Int, bias: Bool = true,
                weightShape: [Int]? = nil) {
        precondition((weightShape ?? [outFeatures, inFeatures]).reduce(1, *) == outFeatures * inFeatures)
        weight = store.declareMatrix(prefix + ".weight", weightShape ?? [outFeatures, inFeatures])
        self.bias = bias ? store.declare(prefix + ".bias", [outFeatures]) : nil
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
    }

    /// A layer over tensors already declared (e.g. q, k, v stored as one [3D, D] matrix).
    public init(weight: Int, bias: Int?, in inFeatures: Int, out outFeatures: Int) {
        self.weight = weight
        self.bias = bias
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
    }

    /// `y[rows, out] (row stride ldy) = x[rows, in] (row stride ldx)·Wᵀ + b`: the bias is copied
    /// into each row, then one GEMM adds the product. Columns `0..<out` of each row are overwritten.
    public func forward(_ ctx: ForwardContext, rows: Int, x: UnsafePointer<Float>, ldx: Int,
                        y: UnsafeMutablePointer<Float>, ldy: Int) {
        guard rows > 0 else { return }
        if let bias {
            let b = ctx.store.value(bias)
            for r in 0..<rows { (y + r * ldy).update(from: b, count: outFeatures) }
        }
        if let (w, storage) = ctx.store.storedMatrix(weight) {
            blockWeightGEMM(m: rows, n: outFeatures, k: inFeatures, a: x, lda: ldx, w: w,
                            storage: storage, c: y, ldc: ldy, beta: bias == nil ? 0 : 1, precision: ctx.precision)
            return
        }
        ctx.gemm(m: rows, n: outFeatures, k: inFeatures, a: x, lda: ldx, b: ctx.store.value(weight), ldb: inFeatures,
                 transposeB: true, c: y, ldc: ldy, beta: bias == nil ? 0 : 1)
    }

    /// `x` [..., in] → [..., out].
    public func callAsFunction(_ ctx: ForwardContext, _ x: Tensor) -> Tensor {
        precondition(x.shape.last == inFeatures, "Linear expects [..., \(inFeatures)], got \(x.shape)")
        var shape = x.shape
        shape[shape.count - 1] = outFeatures
        return Tensor(shape: shape) { out in
            x.scalars.withUnsafeBufferPointer { px in
                forward(ctx, rows: x.count / inFeatures, x: px.baseAddress!, ldx: inFeatures, y: out.baseAddress!, ldy: outFeatures)
            }
        }
    }

    /// Backward of `forward` from the input `x` it saw: `dW += dyᵀ·x`, `db += Σ_rows dy`, and
    /// `dx (=, or += when accumulate) dy·W` when `dx` is given.
    public func backward(_ ctx: ForwardContext, rows: Int, x: UnsafePointer<Float>, ldx: Int,
                         dy: UnsafePointer<Float>, ldy: Int,
                         dx: UnsafeMutablePointer<Float>?, lddx: Int, accumulate: Bool = false) {
        let store = ctx.store
        // dW[out, in] += dyᵀ[out, rows] · x[rows, in]
        ctx.gemm(m: outFeatures, n: inFeatures, k: rows, a: dy, lda: ldy, transposeA: true,
                 b: x, ldb: ldx, transposeB: false, c: store.grad(weight), ldc: inFeatures, beta: 1)
        if let bias {
            let dBias = store.grad(bias)
            for r in 0..<rows {
                let row = dy + r * ldy
                for j in 0..<outFeatures { dBias[j] += row[j] }
            }
        }
        if let dx {
            // dx[rows, in] = dy[rows, out] · W[out, in]
            ctx.gemm(m: rows, n: inFeatures, k: outFeatures, a: dy, lda: ldy, b: store.value(weight), ldb: inFeatures,
                     transposeB: false, c: dx, ldc: lddx, beta: accumulate ? 1 : 0)
        }
    }
}
