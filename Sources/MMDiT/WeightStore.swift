import FlowCore

/// Hands tensors to the model's constructor by key and shape, and enforces strict loading:
/// every key the model asks for must exist with the expected shape, and every key in the
/// source must be used. Problems are collected so that one error lists them all.
final class WeightStore {
    enum Mode {
        /// Read from a provider.
        case provider(TensorProvider)
        /// Make each tensor with `generate(key, shape)` (random init, shape listing).
        case generator((String, [Int]) -> Tensor)
    }

    private let mode: Mode
    private(set) var requested: [String: [Int]] = [:]
    private var problems: [String] = []
    let sourceDescription: String

    init(_ provider: TensorProvider) {
        mode = .provider(provider)
        sourceDescription = provider.sourceDescription
    }

    init(sourceDescription: String, generate: @escaping (String, [Int]) -> Tensor) {
        mode = .generator(generate)
        self.sourceDescription = sourceDescription
    }

    /// The tensor named `key`, which must have `shape`. On a problem, records it and returns zeros
    /// so that construction can go on and report every problem at once.
    func take(_ key: String, _ shape: [Int]) -> Tensor {
        requested[key] = shape
        switch mode {
        case let .generator(generate):
            return generate(key, shape)
        case let .provider(provider):
            guard let actual = provider.tensorShape(key) else {
                problems.append("missing key '\(key)' (expected shape \(describeShape(shape)))")
                return Tensor(zeros: shape)
            }
            guard actual == shape else {
                problems.append("shape mismatch for '\(key)': the file has \(describeShape(actual)), the model expects \(describeShape(shape))")
                return Tensor(zeros: shape)
            }
            do {
                return try provider.loadTensor(key)
            } catch {
                problems.append("cannot read '\(key)': \(error)")
                return Tensor(zeros: shape)
            }
        }
    }

    /// A `Linear` from `prefix.weight` [out, in] and, when `bias`, `prefix.bias` [out].
    func linear(_ prefix: String, in inFeatures: Int, out outFeatures: Int, bias: Bool = true) -> Linear {
        Linear(weight: take(prefix + ".weight", [outFeatures, inFeatures]),
               bias: bias ? take(prefix + ".bias", [outFeatures]) : nil)
    }

    /// Throws one error listing every problem, including keys the model never asked for.
    func finish() throws {
        if case let .provider(provider) = mode {
            let unused = provider.tensorNames.filter { requested[$0] == nil }
            problems += unused.sorted().map { key in
                "unused key '\(key)' with shape \(describeShape(provider.tensorShape(key) ?? []))"
            }
        }
        if !problems.isEmpty {
            throw MMDiTError.weightsDoNotMatch(source: sourceDescription, problems: problems)
        }
    }
}
