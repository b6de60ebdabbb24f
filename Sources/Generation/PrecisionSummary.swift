import FlowCore

/// The short text that says how a model's weights are held and in what arithmetic its large
/// products run: "bf16 weights · f32 math", "Q4_0+f16 weights · f32 math". Shown in the studio's
/// status line and written to PNG parameters (`Precision: …`).
public enum PrecisionSummary {
    /// `matrices`: the bytes of the linear weights held in each storage kind (the largest share
    /// is named first); `math`: the arithmetic of the products.
    public static func text(matrices: [ParameterStorage: Int], math: MatrixPrecision) -> String {
        let kinds = matrices.filter { $0.value > 0 }.sorted { ($0.value, $1.key.shortName) > ($1.value, $0.key.shortName) }
        let weights = kinds.isEmpty ? "f32" : kinds.map(\.key.shortName).joined(separator: "+")
        return "\(weights) weights · \(math == .bfloat16 ? "bf16" : "f32") math"
    }

    /// The same for a model whose matrices are all in `store` (held as `store.entries` say).
    public static func text(store: ParameterStore, math: MatrixPrecision) -> String {
        var bytes: [ParameterStorage: Int] = [:]
        for entry in store.entries where entry.isMatrix {
            bytes[entry.storage, default: 0] += entry.storage.byteCount(elements: entry.count)
        }
        return text(matrices: bytes, math: math)
    }
}
