// The inference noise levels of SD3's sampler: diffusers'
// `FlowMatchEulerDiscreteScheduler(shift: s).set_timesteps(N)`, reproduced to the bit.
//
// σ is the rectified-flow time: x_σ = (1 − σ)·x_0 + σ·ε, sampled from σ = 1 (noise) down to 0.
// The shift is the paper's timestep shift (Esser et al. 2024, "resolution-dependent shifting of timestep schedules"): in odds space
// σ/(1 − σ) it is multiplication by s, so shifts compose multiplicatively.

/// What is wrong with a schedule request.
public enum SigmaScheduleError: Error, Equatable, CustomStringConvertible {
    /// The step count is outside 1...1000.
    case stepsOutOfRange(Int)
    /// The shift is zero, negative, infinite or NaN.
    case invalidShift(Double)

    public var description: String {
        switch self {
        case .stepsOutOfRange(let n):
            return "sampling steps must be between 1 and \(SigmaSchedule.maxSteps), got \(n); pick a step count in that range (SD3 uses 28)"
        case .invalidShift(let s):
            return "the schedule shift must be a finite number greater than 0, got \(s); SD3 uses 3.0, and 1.0 means no shift"
        }
    }
}

/// The σ values of an N-step sampler, exactly as diffusers'
/// `FlowMatchEulerDiscreteScheduler(shift: s).set_timesteps(N)` computes them.
///
/// diffusers' procedure, and its number types, which this reproduces:
/// 1. `__init__` (torch float32): training sigmas `t/1000` for t = 1000, 999, …, 1, each
///    shifted once, so σ_max = shift(1) (= 1) and σ_min = shift(0.001) (= 0.0029940… for s = 3).
/// 2. `set_timesteps` (numpy float64): `linspace(1000·σ_max, 1000·σ_min, N) / 1000`, then shifted
///    AGAIN with the same s, then cast to float32. So σ_min ends up shifted twice
///    (0.0089286 for s = 3), while the upper part of the schedule sees the shift only once.
/// 3. `timesteps = σ·1000` in float32, and σ = 0 is appended.
public struct SigmaSchedule: Sendable, Equatable {
    /// The number of training timesteps of the scheduler (diffusers' `num_train_timesteps`).
    public static let trainingTimesteps = 1000
    /// The largest step count accepted.
    public static let maxSteps = 1000

    /// The number of sampling steps N.
    public let steps: Int
    /// The shift s (SD3 and SD3.5 use 3.0).
    public let shift: Double
    /// N + 1 noise levels, decreasing from σ_max (= 1) to the final 0. Step i goes from
    /// `sigmas[i]` to `sigmas[i + 1]`.
    public let sigmas: [Float] // [N + 1]
    /// The model's timestep input for each step: `sigmas[i] · 1000` in Float32 (N values).
    public let timesteps: [Float] // [N]

    /// The schedule of `steps` steps with `shift`.
    /// - Throws: `SigmaScheduleError` when `steps` is outside 1...1000 or `shift` is not a
    ///   finite positive number.
    public init(steps: Int, shift: Double) throws(SigmaScheduleError) {
        guard (1...Self.maxSteps).contains(steps) else { throw .stepsOutOfRange(steps) }
        guard shift.isFinite, shift > 0 else { throw .invalidShift(shift) }
        self.steps = steps
        self.shift = shift

        // 1. The scheduler's __init__, in Float32 like torch: the first and last training sigmas.
        let train = Float(Self.trainingTimesteps)
        let sigmaMax = Self.shifted(train / train, shift: shift)
        let sigmaMin = Self.shifted(1 / train, shift: shift)

        // 2. set_timesteps, in Double like numpy: np.linspace(start, stop, N) is
        //    start + i·((stop − start)/(N − 1)), with the last value set to stop exactly.
        let start = Double(sigmaMax) * Double(Self.trainingTimesteps)
        let stop = Double(sigmaMin) * Double(Self.trainingTimesteps)
        let step = steps > 1 ? (stop - start) / Double(steps - 1) : 0
        var sigmas = [Float]()
        sigmas.reserveCapacity(steps + 1)
        for i in 0..<steps {
            let t = i == steps - 1 && steps > 1 ? stop : Double(i) * step + start
            let sigma = t / Double(Self.trainingTimesteps)
            sigmas.append(Float(Self.shifted(sigma, shift: shift)))
        }
        // 3. Timesteps in Float32, then the final σ = 0.
        self.timesteps = sigmas.map { $0 * train }
        sigmas.append(0)
        self.sigmas = sigmas
    }

    /// The timestep shift σ ↦ s·σ / (1 + (s − 1)·σ), evaluated in `T` in diffusers' order
    /// (s and s − 1 rounded to `T` first, as torch does for Float32 and numpy for Float64).
    ///
    /// It maps 0 ↦ 0 and 1 ↦ 1, multiplies the odds σ/(1 − σ) by s, so
    /// `shifted(shifted(σ, a), b) == shifted(σ, a·b)` up to rounding, and s > 1 spends more
    /// steps at high noise.
    @inlinable
    public static func shifted<T: BinaryFloatingPoint>(_ sigma: T, shift: Double) -> T {
        T(shift) * sigma / (1 + T(shift - 1) * sigma)
    }
}
