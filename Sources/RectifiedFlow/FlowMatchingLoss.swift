import FlowCore

/// The rectified-flow objective of the SD3 paper: z_t = (1 − t)·x₀ + t·ε, target v = ε − x₀,
/// loss ‖v_θ(z_t, t) − (ε − x₀)‖² (mean over every element).
public enum FlowMatching {
    /// z_t for each batch item: `data`, `noise` [B, …], `t` [B] in [0, 1].
    public static func noisy(data: Tensor, noise: Tensor, t: [Float]) -> Tensor {
        precondition(data.shape == noise.shape && t.count == data.shape[0], "noisy: \(data.shape) \(noise.shape) \(t.count)")
        let per = data.count / max(1, t.count)
        return Tensor(shape: data.shape) { out in
            for i in 0..<data.count {
                let ti = t[i / per]
                out[i] = (1 - ti) * data.scalars[i] + ti * noise.scalars[i]
            }
        }
    }

    /// The velocity target ε − x₀.
    public static func target(data: Tensor, noise: Tensor) -> Tensor { noise - data }

    /// Mean squared error and its gradient with respect to `prediction` (2·(p − y)/count).
    public static func meanSquaredError(prediction: UnsafePointer<Float>, target: UnsafePointer<Float>, count: Int,
                                        gradient: UnsafeMutablePointer<Float>?) -> Float {
        var sum: Double = 0
        let scale = 2 / Float(count)
        for i in 0..<count {
            let diff = prediction[i] - target[i]
            sum += Double(diff * diff)
            gradient?[i] = scale * diff
        }
        return Float(sum / Double(count))
    }
}
