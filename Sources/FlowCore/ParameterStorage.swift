/// How one tensor of a `ParameterStore` is kept. Layers never look at it: they ask the store for
/// a product (`Linear.forward`) or for float32 values, so a new kind (F16, BF16, quantized
/// blocks) is a new case here and a new branch in the store's readers, not a change in the layers.
public enum ParameterStorage: Sendable, Equatable {
    /// Float32 in the store's contiguous master buffer (the only kind today; training needs it).
    case float32
}
