import FlowCore

/// Every tensor of a model being trained, in one contiguous Float32 buffer, with a gradient
/// buffer of the same layout. Layers refer to their tensors by id; the optimiser, EMA, gradient
/// norm and checkpoints work on the flat buffers.
public final class ParameterSet: @unchecked Sendable {
    public struct Entry: Sendable {
        public let name: String
        public let shape: [Int]
        public let offset: Int
        public var count: Int { shape.reduce(1, *) }
        /// False for fixed tensors that ship with the model but are not learned (the positional table).
        public let trainable: Bool
    }

    public private(set) var entries: [Entry] = []
    private var ids: [String: Int] = [:]
    public private(set) var count = 0
    public private(set) var values: UnsafeMutablePointer<Float>
    public private(set) var grads: UnsafeMutablePointer<Float>
    private var capacity = 0

    public init() {
        values = .allocate(capacity: 1)
        grads = .allocate(capacity: 1)
    }

    deinit {
        values.deallocate()
        grads.deallocate()
    }

    /// Declares a tensor (zero-filled); returns its id. Names are unique.
    @discardableResult
    public func declare(_ name: String, _ shape: [Int], trainable: Bool = true) -> Int {
        precondition(ids[name] == nil, "parameter \(name) declared twice")
        let n = shape.reduce(1, *)
        reserve(count + n)
        (values + count).initialize(repeating: 0, count: n)
        (grads + count).initialize(repeating: 0, count: n)
        entries.append(Entry(name: name, shape: shape, offset: count, trainable: trainable))
        ids[name] = entries.count - 1
        count += n
        return entries.count - 1
    }

    private func reserve(_ needed: Int) {
        guard needed > capacity else { return }
        let newCapacity = max(needed, capacity * 2, 1024)
        let newValues = UnsafeMutablePointer<Float>.allocate(capacity: newCapacity)
        let newGrads = UnsafeMutablePointer<Float>.allocate(capacity: newCapacity)
        newValues.update(from: values, count: count)
        newGrads.update(from: grads, count: count)
        values.deallocate()
        grads.deallocate()
        values = newValues
        grads = newGrads
        capacity = newCapacity
    }

    public func id(_ name: String) -> Int? { ids[name] }
    public func value(_ id: Int) -> UnsafeMutablePointer<Float> { values + entries[id].offset }
    public func grad(_ id: Int) -> UnsafeMutablePointer<Float> { grads + entries[id].offset }

    /// The named tensor as a `Tensor` (a copy).
    public func tensor(_ id: Int) -> Tensor {
        let e = entries[id]
        return Tensor(shape: e.shape, scalars: Array(UnsafeBufferPointer(start: values + e.offset, count: e.count)))
    }

    /// Copies `tensor` into the named parameter (shapes must match).
    public func set(_ id: Int, _ tensor: Tensor) {
        precondition(tensor.shape == entries[id].shape, "\(entries[id].name): \(tensor.shape) vs \(entries[id].shape)")
        tensor.scalars.withUnsafeBufferPointer { value(id).update(from: $0.baseAddress!, count: tensor.count) }
    }

    public func zeroGrads() { grads.update(repeating: 0, count: count) }

    /// All tensors by name (for saving and exporting).
    public func namedTensors() -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: entries.indices.map { (entries[$0].name, tensor($0)) })
    }
}

/// A zero-initialised scratch buffer of Float32 that frees itself.
final class Buffer {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int
    init(_ count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }
    deinit { pointer.deallocate() }
    var p: UnsafeMutablePointer<Float> { pointer }
    func zero() { pointer.update(repeating: 0, count: count) }
}
