extension MMDiTConfig {
    /// Floating-point operations (2 per multiply-add) of one forward on `batch` latents of
    /// `latentHeight`×`latentWidth` with `contextTokens` text tokens: every matrix product and
    /// attention; norms and elementwise work are not counted.
    public func forwardFLOPs(batch: Int, latentHeight: Int, latentWidth: Int, contextTokens: Int) -> Double {
        let d = Double(hiddenSize), mlp = Double(mlpHiddenSize)
        let n = Double((latentHeight / patchSize) * (latentWidth / patchSize))
        let l = Double(contextTokens)
        let t = n + l
        var macs = 0.0
        macs += n * Double(patchFeatures) * d                           // patch embed
        macs += Double(256 + pooledDim) * d + 2 * d * d                  // timestep + pooled MLPs (per item)
        macs += l * Double(contextDim) * d                               // context embed
        for block in 0..<depth {
            let last = block == depth - 1
            let dual = hasDualAttention(block)
            macs += d * d * Double(dual ? 9 : 6) + d * d * Double(last ? 2 : 6)  // AdaLN linears
            macs += t * 3 * d * d                                                  // q, k, v of both streams
            macs += 2 * t * t * d                                                  // QKᵀ and ·V
            macs += (last ? n : t) * (d * d + 2 * d * mlp)                         // out-proj + MLP
            if dual { macs += n * 4 * d * d + 2 * n * n * d }                      // second attention
        }
        macs += 2 * d * d + n * d * Double(patchSize * patchSize * outChannels)   // output AdaLN + projection
        return 2 * macs * Double(batch)
    }
}
