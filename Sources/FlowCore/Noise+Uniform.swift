extension Noise {
    /// Uniform values in (−bound, bound) of any shape, element `j` drawn from word `j % 4` of
    /// Philox block `j / 4` of (`seed`, `stream`). Fast (no transcendental functions) and
    /// parallel; used for random weights in benchmarks and initialisation.
    public static func uniform(shape: [Int], bound: Float, seed: UInt64, stream: UInt64 = 0) -> Tensor {
        let count = shape.reduce(1, *)
        let philox = Philox4x32(seed: seed, stream: stream)
        return Tensor(shape: shape) { out in
            guard let base = out.baseAddress else { return }
            Parallel.forEachChunk((count + 3) / 4, minChunk: 4096) { blocks in
                for b in blocks {
                    let (w0, w1, w2, w3) = philox.block(UInt64(b))
                    let j = 4 * b
                    for (k, w) in [w0, w1, w2, w3].enumerated() where j + k < count {
                        base[j + k] = (2 * RandomConversion.uniform(w) - 1) * bound
                    }
                }
            }
        }
    }
}
