import FlowCore

extension MMDiTConfig {
    /// The values `validate()` accepts for each field: about 4–8× the largest real model
    /// (SD3.5-large: depth 38, hidden 2432, 38 heads, context 4096, pooled 2048, table 384),
    /// so that a description or a file's shapes claiming more are refused before anything is
    /// allocated.
    public enum Limits {
        public static let depth = 1...128
        public static let hiddenSize = 1...16_384
        public static let heads = 1...256
        public static let patchSize = 1...16
        public static let channels = 1...1024
        public static let contextDim = 1...16_384
        public static let pooledDim = 1...16_384
        public static let posEmbedMaxSize = 1...1024
        public static let mlpHiddenSize = 1...65_536
        /// Parameters in all (twice SD3.5-large's 8.1 billion).
        public static let parameters = 1...16_000_000_000
    }

    /// `value` checked against `range`; the error names the field, its value and the range.
    static func check(_ field: String, _ value: Int, in range: ClosedRange<Int>) throws {
        guard range.contains(value) else {
            throw MMDiTError.invalidConfig("\(field) is \(value); it must be in \(range.lowerBound)…\(range.upperBound)")
        }
    }

    /// An upper bound of the parameter count (the joint blocks' attention, modulation and
    /// feed-forward for both streams, the MMDiT-X attentions, the positional table and the
    /// embedders), nil when it overflows `Int`.
    var parameterBound: Int? {
        let d = hiddenSize
        // Per block and stream: q, k, v, out (4·D²), modulation (6·D²), MLP (2·D·Dmlp), plus biases.
        let terms: [[Int]] = [
            [depth, 2, 10, d, d], [depth, 2, 2, d, mlpHiddenSize], [depth, 2, 16, d],
            [depth, 4, d, d],  // MMDiT-X second attention (bounded by every block having one)
            [posEmbedMaxSize, posEmbedMaxSize, d], [d, patchFeatures], [d, contextDim], [d, pooledDim],
            [d, 2, d], [d, 256], [2, d, d], [outChannels, patchSize, patchSize, d],
        ]
        var total = 0
        for factors in terms {
            var product = 1
            for f in factors {
                let (p, overflow) = product.multipliedReportingOverflow(by: f)
                if overflow { return nil }
                product = p
            }
            let (sum, overflow) = total.addingReportingOverflow(product)
            if overflow { return nil }
            total = sum
        }
        return total
    }
}
