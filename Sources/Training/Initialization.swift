import FlowCore

extension ParameterStore {
    /// The initialisation training starts from (DiT / SD3 practice): Xavier-uniform linears with
    /// zero biases, AdaLN-Zero (every modulation linear and the output projection start at zero,
    /// so each block starts as the identity), norm weights 1, embeddings N(0, 0.02²).
    /// Fixed tensors (the positional table) are left as they are.
    public func initializeForTraining(seed: UInt64) {
        for (id, entry) in entries.enumerated() where entry.trainable {
            let name = entry.name
            let p = value(id)
            let zeroInit = name.contains("norm1.linear") || name.contains("norm1_context.linear")
                || name.contains("norm_out.linear") || name.contains("proj_out")
            if name.hasSuffix(".bias") || zeroInit {
                p.update(repeating: 0, count: entry.count)
            } else if name.contains("norm") && entry.shape.count == 1 {
                p.update(repeating: 1, count: entry.count)
            } else if name.contains("embedding.weight") {
                let noise = Noise.gaussian(shape: [1, entry.count], seed: seed, firstStream: UInt64(id))
                for i in 0..<entry.count { p[i] = 0.02 * noise.scalars[i] }
            } else {
                let fanOut = entry.shape[0], fanIn = entry.count / fanOut
                let bound = (6 / Float(fanIn + fanOut)).squareRoot()
                set(id, Noise.uniform(shape: entry.shape, bound: bound, seed: seed, stream: UInt64(id)))
            }
        }
    }

    /// Every trainable tensor uniform in ±scale/√fan-in, norm weights 1 ± scale/2 (tests: no zeros anywhere).
    public func randomizeForTesting(seed: UInt64, scale: Float = 1) {
        for (id, entry) in entries.enumerated() where entry.trainable {
            let fanIn = entry.shape.count >= 2 ? entry.count / entry.shape[0] : 4
            var t = Noise.uniform(shape: entry.shape, bound: scale / Float(fanIn).squareRoot(), seed: seed, stream: UInt64(id))
            if entry.name.contains("norm") && entry.shape.count == 1 {
                t = Tensor(shape: t.shape, scalars: t.scalars.map { 1 + $0 })
            }
            set(id, t)
        }
    }
}
