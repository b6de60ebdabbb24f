/// Every tensor of a model: named, shaped and typed (`ParameterStorage`), with float32 master
/// values in one contiguous buffer, and gradients (same layout) only when training asks for them.
/// The optimiser, EMA, gradient norm and checkpoints work on the flat buffers.
///
/// Life cycle: layers `declare` their tensors (by checkpoint key) and keep the returned ids;
/// `allocate()` then makes the buffer once (no reallocation, so a large model is never held
/// twice), and `load(from:)` fills it strictly, or `fill(_:)` from a generator.
///
/// Ids follow declaration order; the storage order may differ: `keepContiguous` places tensors
/// next to each other (q, k, v weights so that they form one [3D, D] matrix without a copy).
public final class ParameterStore: @unchecked Sendable {
    /// One tensor.
    public struct Entry: Sendable {
        /// The checkpoint key.
        public let name: String
        public let shape: [Int]
        /// Where it starts in `values` (and `grads`); set by `allocate()`.
        public internal(set) var offset: Int
        public let storage: ParameterStorage
        /// False for fixed tensors that ship with the model but are not learned (the positional table).
        public let trainable: Bool
        public var count: Int { shape.reduce(1, *) }
    }

    public private(set) var entries: [Entry] = []
    private var ids: [String: Int] = [:]
    private var groups: [[Int]] = []
    /// Total float32 elements.
    public private(set) var count = 0
    private var valueStorage: UnsafeMutablePointer<Float>?
    private var gradStorage: UnsafeMutablePointer<Float>?

    public init() {}

    deinit {
        valueStorage?.deallocate()
        gradStorage?.deallocate()
    }

    /// Declares a tensor; returns its id. Names are unique; only before `allocate()`.
    @discardableResult
    public func declare(_ name: String, _ shape: [Int], trainable: Bool = true) -> Int {
        precondition(valueStorage == nil, "parameter \(name) declared after allocation")
        precondition(ids[name] == nil, "parameter \(name) declared twice")
        entries.append(Entry(name: name, shape: shape, offset: -1, storage: .float32, trainable: trainable))
        ids[name] = entries.count - 1
        count += shape.reduce(1, *)
        return entries.count - 1
    }

    /// Stores the tensors `ids` one after the other, in this order (at the place of the first).
    public func keepContiguous(_ group: [Int]) {
        precondition(valueStorage == nil, "keepContiguous after allocation")
        groups.append(group)
    }

    /// Makes the value buffer (zeros) and gives every tensor its offset. Idempotent.
    public func allocate() {
        guard valueStorage == nil else { return }
        var groupOf: [Int: Int] = [:]
        for (g, group) in groups.enumerated() { for id in group { groupOf[id] = g } }
        var offset = 0
        var placed = Set<Int>()
        for id in entries.indices where !placed.contains(id) {
            for member in groupOf[id].map({ groups[$0] }) ?? [id] where !placed.contains(member) {
                entries[member].offset = offset
                offset += entries[member].count
                placed.insert(member)
            }
        }
        let storage = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        storage.initialize(repeating: 0, count: max(count, 1))
        valueStorage = storage
    }

    /// Makes the gradient buffer (zeros), for training. Idempotent.
    public func allocateGradients() {
        allocate()
        guard gradStorage == nil else { return }
        let storage = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        storage.initialize(repeating: 0, count: max(count, 1))
        gradStorage = storage
    }

    /// Whether `allocateGradients()` ran.
    public var hasGradients: Bool { gradStorage != nil }

    /// The float32 master values [count].
    public var values: UnsafeMutablePointer<Float> {
        guard let valueStorage else { preconditionFailure("ParameterStore used before allocate()") }
        return valueStorage
    }

    /// The gradients [count], in the layout of `values`.
    public var grads: UnsafeMutablePointer<Float> {
        guard let gradStorage else { preconditionFailure("gradients used before allocateGradients()") }
        return gradStorage
    }

    public func id(_ name: String) -> Int? { ids[name] }
    /// The float32 values of tensor `id`.
    public func value(_ id: Int) -> UnsafeMutablePointer<Float> { values + entries[id].offset }
    /// The gradient of tensor `id`.
    public func grad(_ id: Int) -> UnsafeMutablePointer<Float> { grads + entries[id].offset }

    /// The named tensor as a `Tensor` (a copy).
    public func tensor(_ id: Int) -> Tensor {
        let e = entries[id]
        return Tensor(shape: e.shape, scalars: Array(UnsafeBufferPointer(start: value(id), count: e.count)))
    }

    /// Copies `tensor` into tensor `id` (shapes must match).
    public func set(_ id: Int, _ tensor: Tensor) {
        precondition(tensor.shape == entries[id].shape, "\(entries[id].name): \(tensor.shape) vs \(entries[id].shape)")
        tensor.scalars.withUnsafeBufferPointer { if let base = $0.baseAddress { value(id).update(from: base, count: tensor.count) } }
    }

    public func zeroGrads() { grads.update(repeating: 0, count: count) }

    /// All tensors by name (for saving and exporting).
    public func namedTensors() -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: entries.indices.map { (entries[$0].name, tensor($0)) })
    }

    /// Sets every tensor to `generate(name, shape)` (random init, benchmarks). Allocates.
    public func fill(_ generate: (String, [Int]) -> Tensor) {
        allocate()
        for id in entries.indices { set(id, generate(entries[id].name, entries[id].shape)) }
    }

    /// Loads, strictly, every tensor whose name starts with `prefix` from `provider`, where it is
    /// named without the prefix. Every such tensor must be there with its shape, and every tensor
    /// of `provider` must be used (`ignoring` names that other loaders read, e.g. another model's
    /// keys in the same file). One error lists every problem. Allocates.
    public func load(from provider: TensorProvider, prefix: String = "",
                     ignoring ignored: (String) -> Bool = { _ in false }) throws(ParameterStoreError) {
        // Every name and shape is checked before the buffer is made, so a file that does not
        // match (e.g. a description claiming a huge model) costs no allocation.
        var problems: [String] = []
        var requested = Set<String>()
        var matching: [(id: Int, key: String)] = []
        for id in entries.indices where entries[id].name.hasPrefix(prefix) {
            let key = String(entries[id].name.dropFirst(prefix.count)), shape = entries[id].shape
            requested.insert(key)
            guard let actual = provider.tensorShape(key) else {
                problems.append("missing key '\(key)' (expected shape \(describeShape(shape)))")
                continue
            }
            guard actual == shape else {
                problems.append("shape mismatch for '\(key)': the file has \(describeShape(actual)), the model expects \(describeShape(shape))")
                continue
            }
            matching.append((id, key))
        }
        let unused = provider.tensorNames.filter { !requested.contains($0) && !ignored($0) }
        problems += unused.sorted().map { key in
            "unused key '\(key)' with shape \(describeShape(provider.tensorShape(key) ?? []))"
        }
        if !problems.isEmpty { throw ParameterStoreError(source: provider.sourceDescription, problems: problems) }
        allocate()
        for (id, key) in matching {
            do {
                set(id, try provider.loadTensor(key))  // one tensor at a time: the model is never held twice
            } catch {
                problems.append("cannot read '\(key)': \(error)")
            }
        }
        if !problems.isEmpty { throw ParameterStoreError(source: provider.sourceDescription, problems: problems) }
    }
}
