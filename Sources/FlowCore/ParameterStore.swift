/// Every tensor of a model: named, shaped and typed (`ParameterStorage`), with float32 master
/// values in one contiguous buffer, and gradients (same layout) only when training asks for them.
/// The optimiser, EMA, gradient norm and checkpoints work on the flat buffers.
///
/// A store made with `matrices: .asStored` (inference on real checkpoints) keeps the matrices
/// that `Linear` declares (`declareMatrix`) in their file's 16-bit dtype, in a second buffer of
/// 16-bit patterns: a bf16 SD3.5-large is held in 16 GB, not 32. Those matrices are read only
/// through `Linear.forward` (`halfValue`); asking for their float32 `value` is a programming
/// error. A GGUF file's quantized matrices are kept the same way as their blocks (a third buffer,
/// of bytes: `blockValue`), so a Q8_0 model takes 1.06 bytes a weight, not 4. Training and the demo model use the default `.float32`, where every tensor is float32.
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
        /// Where it starts in `values` (and `grads`), in the 16-bit buffer (elements) or in the
        /// block buffer (bytes), following `storage`; set by `allocate()`.
        public internal(set) var offset: Int
        /// How it is held; set by `allocate()` / `load(from:)` following the store's `matrices` policy.
        public internal(set) var storage: ParameterStorage
        /// False for fixed tensors that ship with the model but are not learned (the positional table).
        public let trainable: Bool
        /// True for a matrix read only through `Linear.forward`: it may be held in 16 bits.
        public let isMatrix: Bool
        public var count: Int { shape.reduce(1, *) }
    }

    public private(set) var entries: [Entry] = []
    private var ids: [String: Int] = [:]
    private var groups: [[Int]] = []
    /// Total float32 elements (the length of `values` and `grads`); 16-bit tensors not included.
    public private(set) var count = 0
    /// Total elements held in 16 bits (the length of the 16-bit buffer).
    public private(set) var halfCount = 0
    /// Total bytes of the matrices held as quantized blocks (the length of the block buffer).
    public private(set) var blockByteCount = 0
    /// Which matrices may be held in 16 bits.
    public let matrices: MatrixStorage
    private var valueStorage: UnsafeMutablePointer<Float>?
    private var halfStorage: UnsafeMutablePointer<UInt16>?
    private var blockStorage: UnsafeMutableRawPointer?
    private var gradStorage: UnsafeMutablePointer<Float>?

    /// An empty store; `matrices` says which matrices may be held in 16 bits or as blocks (none
    /// by default). `.rounded(.blocks(type))` needs a type FlowStudio quantizes into (Q8_0, Q4_0).
    public init(matrices: MatrixStorage = .float32) {
        if case .rounded(.blocks(let type)) = matrices {
            precondition(type.hasQuantizer, "ParameterStore: FlowStudio does not quantize into \(type.name)")
        }
        self.matrices = matrices
    }

    deinit {
        valueStorage?.deallocate()
        halfStorage?.deallocate()
        blockStorage?.deallocate()
        gradStorage?.deallocate()
    }

    /// Declares a tensor; returns its id. Names are unique; only before `allocate()`.
    @discardableResult
    public func declare(_ name: String, _ shape: [Int], trainable: Bool = true) -> Int {
        declare(name, shape, trainable: trainable, isMatrix: false)
    }

    /// Declares a matrix that is read only through `Linear.forward` (never through `value`), so
    /// that the store may hold it in 16 bits (see `matrices`). Otherwise as `declare`.
    @discardableResult
    public func declareMatrix(_ name: String, _ shape: [Int], trainable: Bool = true) -> Int {
        declare(name, shape, trainable: trainable, isMatrix: true)
    }

    private func declare(_ name: String, _ shape: [Int], trainable: Bool, isMatrix: Bool) -> Int {
        precondition(valueStorage == nil, "parameter \(name) declared after allocation")
        precondition(ids[name] == nil, "parameter \(name) declared twice")
        var storage = ParameterStorage.float32
        if isMatrix, case let .rounded(kind) = matrices, kind.canHold(shape: shape) { storage = kind }
        entries.append(Entry(name: name, shape: shape, offset: -1, storage: storage, trainable: trainable, isMatrix: isMatrix))
        ids[name] = entries.count - 1
        let elements = shape.reduce(1, *)
        switch storage {
        case .float32: count += elements
        case .bfloat16, .float16: halfCount += elements
        case .blocks: blockByteCount += storage.byteCount(elements: elements)
        }
        return entries.count - 1
    }

    /// Stores the tensors `ids` one after the other, in this order (at the place of the first).
    public func keepContiguous(_ group: [Int]) {
        precondition(valueStorage == nil, "keepContiguous after allocation")
        groups.append(group)
    }

    /// Makes the value buffers (zeros: float32, and 16-bit and block buffers when some tensor is
    /// held so) and gives every tensor its offset in its buffer. Idempotent.
    public func allocate() {
        guard valueStorage == nil else { return }
        var groupOf: [Int: Int] = [:]
        for (g, group) in groups.enumerated() { for id in group { groupOf[id] = g } }
        // A group is stored in one buffer: mixed kinds fall back to float32.
        for group in groups where Set(group.map { entries[$0].storage }).count > 1 {
            for id in group { entries[id].storage = .float32 }
        }
        var offset = 0, halfOffset = 0, blockOffset = 0
        var placed = Set<Int>()
        for id in entries.indices where !placed.contains(id) {
            for member in groupOf[id].map({ groups[$0] }) ?? [id] where !placed.contains(member) {
                let storage = entries[member].storage
                switch storage {
                case .float32:
                    entries[member].offset = offset
                    offset += entries[member].count
                case .bfloat16, .float16:
                    entries[member].offset = halfOffset
                    halfOffset += entries[member].count
                case .blocks:
                    entries[member].offset = blockOffset
                    blockOffset += storage.byteCount(elements: entries[member].count)
                }
                placed.insert(member)
            }
        }
        count = offset
        halfCount = halfOffset
        blockByteCount = blockOffset
        let storage = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        storage.initialize(repeating: 0, count: max(count, 1))
        valueStorage = storage
        if halfCount > 0 {
            let half = UnsafeMutablePointer<UInt16>.allocate(capacity: halfCount)
            half.initialize(repeating: 0, count: halfCount)
            halfStorage = half
        }
        if blockByteCount > 0 {
            let blocks = UnsafeMutableRawPointer.allocate(byteCount: blockByteCount, alignment: 64)
            blocks.initializeMemory(as: UInt8.self, repeating: 0, count: blockByteCount)
            blockStorage = blocks
        }
    }

    /// The bytes of the tensors as held (float32, 16-bit and block buffers; gradients not
    /// counted). Before allocation, what they would take with the storage decided so far.
    public var heldBytes: Int {
        entries.reduce(0) { $0 + $1.storage.byteCount(elements: $1.count) }
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
    /// The float32 values of tensor `id`, which must be held in float32 (a 16-bit or block matrix
    /// is read only through `Linear.forward`).
    public func value(_ id: Int) -> UnsafeMutablePointer<Float> {
        precondition(!entries[id].storage.isStoredMatrix, "\(entries[id].name) is held in \(entries[id].storage): read it through Linear.forward")
        return values + entries[id].offset
    }
    /// The blocks of tensor `id`, which must be held as blocks (`entries[id].storage`): rows of
    /// whole blocks, `storage.byteCount(elements:)` bytes.
    public func blockValue(_ id: Int) -> UnsafeMutableRawPointer {
        precondition(entries[id].storage.blockType != nil, "\(entries[id].name) is not held as blocks")
        guard let blockStorage else { preconditionFailure("ParameterStore used before allocate()") }
        return blockStorage + entries[id].offset
    }
    /// Where a matrix held in 16 bits or as blocks starts, and how it is held (for
    /// `blockWeightGEMM`); nil for a float32 tensor.
    public func storedMatrix(_ id: Int) -> (bytes: UnsafeRawPointer, storage: ParameterStorage)? {
        switch entries[id].storage {
        case .float32: nil
        case .bfloat16, .float16: (UnsafeRawPointer(halfValue(id)), entries[id].storage)
        case .blocks: (UnsafeRawPointer(blockValue(id)), entries[id].storage)
        }
    }
    /// The 16-bit patterns of tensor `id`, which must be held in 16 bits (`entries[id].storage`).
    public func halfValue(_ id: Int) -> UnsafeMutablePointer<UInt16> {
        precondition(entries[id].storage.isHalf, "\(entries[id].name) is held in float32")
        guard let halfStorage else { preconditionFailure("ParameterStore used before allocate()") }
        return halfStorage + entries[id].offset
    }
    /// The gradient of tensor `id` (float32 tensors only: training stores are float32).
    public func grad(_ id: Int) -> UnsafeMutablePointer<Float> {
        precondition(!entries[id].storage.isStoredMatrix, "\(entries[id].name) is held in \(entries[id].storage): no gradient (training needs float32 weights)")
        return grads + entries[id].offset
    }

    /// The named tensor as a `Tensor` (a copy; 16-bit values widened exactly, blocks dequantized).
    public func tensor(_ id: Int) -> Tensor {
        let e = entries[id]
        if case .blocks(let type) = e.storage {
            return Tensor(shape: e.shape) { out in GGUFDequantize.dequantize(type, from: blockValue(id), into: out) }
        }
        guard e.storage.isHalf else {
            return Tensor(shape: e.shape, scalars: Array(UnsafeBufferPointer(start: value(id), count: e.count)))
        }
        return Tensor(shape: e.shape) { out in
            let bits = UnsafeBufferPointer(start: UnsafePointer(halfValue(id)), count: e.count)
            if e.storage == .bfloat16 { Float16Conversion.convert(bfloat16: bits, into: out) } else { Float16Conversion.convert(float16: bits, into: out) }
        }
    }

    /// Copies `tensor` into tensor `id` (shapes must match); a 16-bit tensor takes the nearest
    /// values (round to nearest even), a block tensor its quantization (`GGUFQuantize`).
    public func set(_ id: Int, _ tensor: Tensor) {
        precondition(tensor.shape == entries[id].shape, "\(entries[id].name): \(tensor.shape) vs \(entries[id].shape)")
        let storage = entries[id].storage
        tensor.scalars.withUnsafeBufferPointer { source in
            guard let base = source.baseAddress else { return }
            switch storage {
            case .float32: value(id).update(from: base, count: tensor.count)
            case .bfloat16: Float16Conversion.convert(source, intoBFloat16: UnsafeMutableBufferPointer(start: halfValue(id), count: tensor.count))
            case .float16: Float16Conversion.convert(source, intoFloat16: UnsafeMutableBufferPointer(start: halfValue(id), count: tensor.count))
            case .blocks(let type):
                GGUFQuantize.quantize(type, source, into: UnsafeMutableRawBufferPointer(
                    start: blockValue(id), count: storage.byteCount(elements: tensor.count)))
            }
        }
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
        if valueStorage == nil, matrices == .asStored {
            for (id, key) in matching where entries[id].isMatrix {
                let blocks = provider.blockType(key).map(ParameterStorage.blocks).flatMap {
                    $0.canHold(shape: entries[id].shape) ? $0 : nil
                }
                entries[id].storage = provider.halfStorage(key) ?? blocks ?? .float32  // allocate() counts
            }
        }
        allocate()
        for (id, key) in matching {
            do {
                // One tensor at a time: the model is never held twice. A 16-bit tensor the
                // provider stores in that kind is copied bit for bit, and so are blocks.
                let storage = entries[id].storage
                if storage.isHalf && provider.halfStorage(key) == storage {
                    try provider.loadHalfTensor(key, into: UnsafeMutableBufferPointer(start: halfValue(id), count: entries[id].count))
                } else if case .blocks(let type) = storage, provider.blockType(key) == type {
                    try provider.loadBlocks(key, into: UnsafeMutableRawBufferPointer(
                        start: blockValue(id), count: storage.byteCount(elements: entries[id].count)))
                } else {
                    set(id, try provider.loadTensor(key))
                }
            } catch {
                problems.append("cannot read '\(key)': \(error)")
            }
        }
        if !problems.isEmpty { throw ParameterStoreError(source: provider.sourceDescription, problems: problems) }
    }
}
