import Foundation
import FlowCore

/// Which tensors weight decay applies to.
public enum WeightDecayScope: Sendable {
    /// Matrices only: biases, norm weights and embedding tables are not decayed (common practice).
    case matrices
    /// Every trainable tensor, as `torch.optim.AdamW(model.parameters())` does.
    case all
}

/// AdamW with decoupled weight decay, as `torch.optim.AdamW`: for each trainable tensor,
/// p ← p − lr·wd·p (for the tensors `decayScope` names), then
/// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − lr·m̂/(√v̂ + ε) with bias correction.
public final class AdamW {
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    public var weightDecay: Float
    public var decayScope: WeightDecayScope = .matrices
    /// Steps taken (for bias correction).
    public private(set) var step = 0
    /// First and second moments, in the parameter set's flat layout.
    let m: FloatBuffer, v: FloatBuffer

    public init(parameterCount: Int, weightDecay: Float = 0.01) {
        self.weightDecay = weightDecay
        m = FloatBuffer(parameterCount)
        v = FloatBuffer(parameterCount)
    }

    /// Whether a tensor is weight-decayed.
    func decays(_ entry: ParameterStore.Entry) -> Bool {
        switch decayScope {
        case .all: return true
        case .matrices: return entry.shape.count >= 2 && !entry.name.contains("embedding.weight")
        }
    }

    /// One update of every trainable tensor with learning rate `lr` from `params.grads`.
    public func update(_ params: ParameterStore, lr: Float) {
        step += 1
        let c1 = 1 - pow(beta1, Float(step)), c2 = 1 - pow(beta2, Float(step))
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        for entry in params.entries where entry.trainable {
            let decay = decays(entry) ? lr * weightDecay : 0
            let p = params.values + entry.offset, g = params.grads + entry.offset
            let mm = m.p + entry.offset, vv = v.p + entry.offset
            nonisolated(unsafe) let (pp, gp, mp, vp) = (p, g, mm, vv)
            Parallel.forEachChunk(entry.count, minChunk: Parallel.elementwiseGrain) { range in
                for i in range {
                    pp[i] -= decay * pp[i]
                    let gi = gp[i]
                    mp[i] = b1 * mp[i] + (1 - b1) * gi
                    vp[i] = b2 * vp[i] + (1 - b2) * gi * gi
                    pp[i] -= lr * (mp[i] / c1) / ((vp[i] / c2).squareRoot() + eps)
                }
            }
        }
    }

    /// Restores the moments and step count from a checkpoint.
    func restore(step: Int, m: [Float], v: [Float]) {
        self.step = step
        m.withUnsafeBufferPointer { self.m.p.update(from: $0.baseAddress!, count: min($0.count, self.m.count)) }
        v.withUnsafeBufferPointer { self.v.p.update(from: $0.baseAddress!, count: min($0.count, self.v.count)) }
    }
}

/// The global L2 norm of all trainable gradients; scales them to `maxNorm` when larger
/// (as `torch.nn.utils.clip_grad_norm_`: factor maxNorm/(norm + 1e-6)). Returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ params: ParameterStore, maxNorm: Float) -> Float {
    var sum: Double = 0
    for entry in params.entries where entry.trainable {
        let g = params.grads + entry.offset
        for i in 0..<entry.count { sum += Double(g[i] * g[i]) }
    }
    let norm = Float(sum.squareRoot())
    if norm > maxNorm {
        let scale = maxNorm / (norm + 1e-6)
        for entry in params.entries where entry.trainable {
            let g = params.grads + entry.offset
            for i in 0..<entry.count { g[i] *= scale }
        }
    }
    return norm
}

/// An exponential moving average of the weights: ema ← d·ema + (1 − d)·p. What ships.
/// The decay warms up as d_t = min(d, (1 + t)/(10 + t)) so that early snapshots already follow
/// the weights (with a fixed 0.999, the EMA after 500 steps would still be 60% initialisation).
public final class ExponentialMovingAverage {
    public let decay: Float
    let values: FloatBuffer

    public init(_ params: ParameterStore, decay: Float) {
        self.decay = decay
        values = FloatBuffer(params.count)
        values.p.update(from: params.values, count: params.count)
    }

    /// Averages in the weights after optimiser step `step` (1-based).
    public func update(_ params: ParameterStore, step: Int) {
        let d = min(decay, Float(1 + step) / Float(10 + step))
        nonisolated(unsafe) let (e, p) = (values.p, params.values)
        Parallel.forEachChunk(params.count, minChunk: Parallel.elementwiseGrain) { range in
            for i in range { e[i] = d * e[i] + (1 - d) * p[i] }
        }
    }

    /// The averaged tensors by name, in the layout of `params`.
    public func namedTensors(_ params: ParameterStore) -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: params.entries.map { entry in
            (entry.name, Tensor(shape: entry.shape, scalars: Array(UnsafeBufferPointer(start: values.p + entry.offset, count: entry.count))))
        })
    }
}
