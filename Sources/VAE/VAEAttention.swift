import FlowCore

/// The mid block's self-attention (diffusers `Attention` with `group_norm`, one head of width C,
/// `residual_connection`, `rescale_output_factor` 1): the H·W pixels are the tokens,
/// `out = x + to_out(softmax(q·kᵀ/√C)·v)` with q, k, v = linears of GroupNorm(x).
/// Keys `group_norm`, `to_q`, `to_k`, `to_v`, `to_out.0` (LDM: `norm`, `q`, `k`, `v`, `proj_out` as
/// 1×1 convs, presented as linears by `LDMVAECheckpoint`).
///
/// Works on the channel-first map without transposes: the q/k/v product reads the normalised
/// map `[C, T]` transposed, and the output product writes `[C, T]` directly. FlowCore's
/// `multiHeadAttention` (1 head) keeps only blocks of 128 score rows, never a T×T matrix.
public struct VAEAttention: Sendable {
    public let norm: GroupNorm
    public let toQ: Linear
    public let toK: Linear
    public let toV: Linear
    public let toOut: Linear
    public let channels: Int

    public init(_ store: ParameterStore, _ prefix: String, channels: Int, groups: Int) {
        norm = GroupNorm(store, prefix + ".group_norm", channels: channels, groups: groups)
        toQ = Linear(store, prefix + ".to_q", in: channels, out: channels)
        toK = Linear(store, prefix + ".to_k", in: channels, out: channels)
        toV = Linear(store, prefix + ".to_v", in: channels, out: channels)
        toOut = Linear(store, prefix + ".to_out.0", in: channels, out: channels)
        // q, k, v weights as one [3C, C] matrix and biases as one [3C] vector: one product.
        store.keepContiguous([toQ.weight, toK.weight, toV.weight])
        store.keepContiguous([toQ.bias!, toK.bias!, toV.bias!])
        self.channels = channels
    }

    /// `x` [C, H, W] → [C, H, W].
    public func forward(_ ctx: ForwardContext, _ x: FeatureMap) -> FeatureMap {
        let c = channels, tokens = x.plane
        let qkv = FloatBuffer(uninitialized: tokens * 3 * c)  // [T, 3C]
        do {
            let n = FeatureMap(uninitializedChannels: c, height: x.height, width: x.width)  // [C, T]
            norm.forward(ctx, input: x.pointer, plane: tokens, output: n.pointer, silu: false)
            let bias = ctx.store.value(toQ.bias!)  // [3C]: q, k, v biases
            for t in 0..<tokens { (qkv.p + t * 3 * c).update(from: bias, count: 3 * c) }
            // qkv[T, 3C] += nᵀ[T, C] · Wqkvᵀ[C, 3C]
            ctx.gemm(m: tokens, n: 3 * c, k: c, a: n.pointer, lda: tokens, transposeA: true,
                     b: ctx.store.value(toQ.weight), ldb: c, transposeB: true, c: qkv.p, ldc: 3 * c, beta: 1)
        }
        let o = FloatBuffer(uninitialized: tokens * c)  // [T, C]
        multiHeadAttention(q: qkv.p, k: qkv.p + c, v: qkv.p + 2 * c, stride: 3 * c, batch: 1, tokens: tokens,
                           heads: 1, headDim: c, out: o.p, ldo: c, precision: ctx.precision)
        // out[C, T] = x + b_out + W_out[C, C] · oᵀ[C, T]
        let out = FeatureMap(uninitializedChannels: c, height: x.height, width: x.width)
        let b = ctx.store.value(toOut.bias!)
        for ch in 0..<c {
            let dst = out.pointer + ch * tokens, src = x.pointer + ch * tokens
            for t in 0..<tokens { dst[t] = src[t] + b[ch] }
        }
        ctx.gemm(m: c, n: tokens, k: c, a: ctx.store.value(toOut.weight), lda: c, b: o.p, ldb: c, transposeB: true,
                 c: out.pointer, ldc: tokens, beta: 1)
        return out
    }

    /// Multiply-adds of one forward over `tokens` pixels: four C×C linears and the two products of attention.
    public func multiplyAdds(tokens: Int) -> Double {
        let t = Double(tokens), c = Double(channels)
        return 4 * t * c * c + 2 * t * t * c
    }
}
