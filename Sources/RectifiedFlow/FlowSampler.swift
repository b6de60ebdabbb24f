import FlowCore

/// The ODE solver that integrates the flow from σ = 1 (noise) to σ = 0 (data).
public enum SamplerKind: String, CaseIterable, Sendable, Codable {
    /// First order, one model call per step: diffusers' `FlowMatchEulerDiscreteScheduler`.
    case euler
    /// Second order (Heun / improved Euler), two model calls per step except the last. Its
    /// error falls with the square of the step size; whether that beats Euler at equal model
    /// calls depends on the model (on the bundled one it measured no better).
    case heun

    /// Model calls (batched forwards) for `steps` steps.
    public func modelCalls(steps: Int) -> Int {
        switch self {
        case .euler: steps
        case .heun: 2 * steps - 1
        }
    }
}

/// What the sampler reports after each step: the caller previews it and answers whether to go on.
public struct SamplingStep: @unchecked Sendable {
    /// 0-based index of the step just taken.
    public let index: Int
    /// Total steps.
    public let count: Int
    /// σ at the start of the step (where the velocity was evaluated).
    public let sigma: Float
    /// σ at the end of the step.
    public let nextSigma: Float
    /// x at σ = `nextSigma`, after the update. [B, C, H, W]
    public let latents: Tensor
    /// The predicted clean sample x̂₀ = x_σ − σ·v from this step's velocity. [B, C, H, W]
    public let predictedClean: Tensor
}

/// How a run ended.
public enum SamplingOutcome {
    /// All steps ran; the final latents at σ = 0. [B, C, H, W]
    case completed(Tensor)
    /// The step handler asked to stop after `stepsDone` steps; nothing else was produced.
    case cancelled(stepsDone: Int)

    /// The final latents, or nil when cancelled.
    public var latents: Tensor? {
        if case let .completed(x) = self { return x }
        return nil
    }
}

/// Sampling failures.
public enum SamplingError: Error, CustomStringConvertible, Equatable {
    case invalidGuidance(Float)
    case nonFinite(step: Int, of: Int)
    case shapeMismatch(String)
    /// Skip-layer guidance was asked of a model that cannot bypass layers.
    case cannotSkipLayers

    public var description: String {
        switch self {
        case let .invalidGuidance(g):
            "CFG scale must be a finite number ≥ 0 (got \(g))"
        case let .nonFinite(step, count):
            "the latents became NaN or infinite at step \(step) of \(count); try fewer steps, a lower CFG scale, or check the model weights"
        case let .shapeMismatch(why):
            "sampling inputs do not fit together: \(why)"
        case .cannotSkipLayers:
            "skip-layer guidance needs a model whose layers can be bypassed (an MM-DiT); this one cannot"
        }
    }
}

/// Rectified-flow sampling with classifier-free guidance (minRF / diffusers' SD3 pipeline):
/// x ← x + (σ_{i+1} − σ_i)·v, with v = v_u + g·(v_c − v_u) from one batched forward of
/// [unconditional, conditional] when g > 1; the conditional branch alone otherwise (as diffusers).
/// With `skipLayerGuidance`, the steps it covers add a third forward (see `SkipLayerGuidance`).
public struct FlowSampler {
    public var schedule: SigmaSchedule
    public var guidanceScale: Float
    public var kind: SamplerKind
    public var skipLayerGuidance: SkipLayerGuidance?

    public init(schedule: SigmaSchedule, guidanceScale: Float, kind: SamplerKind = .euler,
                skipLayerGuidance: SkipLayerGuidance? = nil) throws {
        guard guidanceScale.isFinite, guidanceScale >= 0 else { throw SamplingError.invalidGuidance(guidanceScale) }
        self.schedule = schedule
        self.guidanceScale = guidanceScale
        self.kind = kind
        self.skipLayerGuidance = skipLayerGuidance
    }

    /// Whether guidance needs the unconditional branch (diffusers: `guidance_scale > 1`).
    public var usesGuidance: Bool { guidanceScale > 1 }

    /// Integrates from `noise` [B, C, H, W] at σ = 1 to σ = 0. `negative` is the unconditional
    /// conditioning (the encoded empty prompt for SD3); it is only used when `usesGuidance`.
    /// `onStep` is called after every step and returns false to stop.
    ///
    /// `steps` runs only those steps of the schedule (a branched run: one part of the steps with
    /// one prompt, the rest with another): `noise` is then x at σ = `sigmas[steps.lowerBound]`,
    /// and the outcome's latents are x at σ = `sigmas[steps.upperBound]`. Running 0..<k and then
    /// k..<N from its latents gives bit for bit what 0..<N gives.
    public func sample(model: VelocityModel, noise: Tensor, positive: TextConditioning, negative: TextConditioning,
                       steps: Range<Int>? = nil,
                       onStep: (SamplingStep) -> Bool = { _ in true }) throws -> SamplingOutcome {
        let batch = noise.shape[0]
        guard positive.context.shape.first == batch, positive.pooled.shape.first == batch else {
            throw SamplingError.shapeMismatch("noise has batch \(batch) but the text conditioning has \(positive.context.shape.first ?? 0)")
        }
        let conditioning: TextConditioning
        if usesGuidance {
            guard negative.context.shape == positive.context.shape, negative.pooled.shape == positive.pooled.shape else {
                throw SamplingError.shapeMismatch("negative conditioning \(negative.context.shape)/\(negative.pooled.shape) differs from positive \(positive.context.shape)/\(positive.pooled.shape)")
            }
            // [uncond, cond] along the batch, as diffusers' pipeline.
            conditioning = TextConditioning(context: concatBatch(negative.context, positive.context),
                                            pooled: concatBatch(negative.pooled, positive.pooled))
        } else {
            conditioning = positive
        }
        let layerSkipping = model as? LayerSkippingVelocityModel
        if skipLayerGuidance != nil && usesGuidance && layerSkipping == nil { throw SamplingError.cannotSkipLayers }
        let count = schedule.steps
        let guidedVelocity = { (x: Tensor, step: Int, timestep: Float) throws -> Tensor in
            let input = usesGuidance ? concatBatch(x, x) : x
            let timesteps = [Float](repeating: timestep, count: input.shape[0])
            let v = try model.velocity(latents: input, context: conditioning.context, pooled: conditioning.pooled,
                                       timesteps: timesteps)
            guard usesGuidance else { return v }
            var guided = guide(v, scale: guidanceScale)
            if let slg = skipLayerGuidance, let layerSkipping, slg.applies(step: step, of: count) {
                let skipped = try layerSkipping.velocity(latents: x, context: positive.context, pooled: positive.pooled,
                                                         timesteps: Array(timesteps[..<batch]), skipping: slg.layers)
                guided = pushAway(guided, conditional: v, skipped: skipped, scale: slg.scale)
            }
            return guided
        }

        let range = steps ?? 0..<count
        guard range.lowerBound >= 0, range.upperBound <= count else {
            throw SamplingError.shapeMismatch("steps \(range.lowerBound)..<\(range.upperBound) are outside the schedule's 0..<\(count)")
        }
        let sigmas = schedule.sigmas
        var x = noise
        for i in range {
            let (sigma, next) = (sigmas[i], sigmas[i + 1])
            let v = try guidedVelocity(x, i, schedule.timesteps[i])
            let dt = next - sigma
            var updated = eulerStep(x, velocity: v, dt: dt)
            if kind == .heun && next > 0 {
                let v2 = try guidedVelocity(updated, i, next * Float(SigmaSchedule.trainingTimesteps))
                updated = heunStep(x, v, v2, dt: dt)
            }
            guard updated.isFinite else { throw SamplingError.nonFinite(step: i + 1, of: count) }
            let predicted = eulerStep(x, velocity: v, dt: -sigma)  // x̂₀ = x − σ·v
            x = updated
            let step = SamplingStep(index: i, count: count, sigma: sigma, nextSigma: next, latents: x, predictedClean: predicted)
            if !onStep(step) && i + 1 < count { return .cancelled(stepsDone: i + 1) }
        }
        return .completed(x)
    }
}

/// `x + dt·v`, in Float32 as diffusers' scheduler computes it.
func eulerStep(_ x: Tensor, velocity v: Tensor, dt: Float) -> Tensor {
    var out = x
    out.scalars.withUnsafeMutableBufferPointer { o in
        v.scalars.withUnsafeBufferPointer { pv in
            for i in 0..<o.count { o[i] += dt * pv[i] }
        }
    }
    return out
}

/// `x + dt·(v1 + v2)/2`.
func heunStep(_ x: Tensor, _ v1: Tensor, _ v2: Tensor, dt: Float) -> Tensor {
    var out = x
    for i in 0..<out.count { out.scalars[i] += dt * 0.5 * (v1.scalars[i] + v2.scalars[i]) }
    return out
}

/// Splits a [2B, …] velocity into [uncond; cond] halves and returns `v_u + g·(v_c − v_u)` [B, …].
func guide(_ v: Tensor, scale g: Float) -> Tensor {
    let half = v.count / 2
    var shape = v.shape
    shape[0] /= 2
    return Tensor(shape: shape) { out in
        v.scalars.withUnsafeBufferPointer { pv in
            for i in 0..<half {
                let u = pv[i], c = pv[half + i]
                out[i] = u + g * (c - u)
            }
        }
    }
}

/// Skip-layer guidance: `guided + scale·(v_cond − skipped)` [B, …], where `batched` is the
/// [uncond; cond] velocity [2B, …] the guided one came from (diffusers' order of operations).
func pushAway(_ guided: Tensor, conditional batched: Tensor, skipped: Tensor, scale: Float) -> Tensor {
    let half = batched.count / 2
    precondition(guided.count == half && skipped.count == half, "skip-layer guidance shapes")
    return Tensor(shape: guided.shape) { out in
        guided.scalars.withUnsafeBufferPointer { g in
            batched.scalars.withUnsafeBufferPointer { v in
                skipped.scalars.withUnsafeBufferPointer { s in
                    for i in 0..<half { out[i] = g[i] + (v[half + i] - s[i]) * scale }
                }
            }
        }
    }
}

/// Concatenates two tensors along the batch (first) axis.
func concatBatch(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(Array(a.shape.dropFirst()) == Array(b.shape.dropFirst()), "concatBatch \(a.shape) and \(b.shape)")
    var shape = a.shape
    shape[0] += b.shape[0]
    return Tensor(shape: shape, scalars: a.scalars + b.scalars)
}
