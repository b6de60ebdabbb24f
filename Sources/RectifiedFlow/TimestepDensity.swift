import Foundation
import FlowCore

// The training-time densities π(t) over the rectified-flow time t ∈ (0, 1) from Esser et al.
// 2024, §3.1 "Tailored SNR samplers for RF models" (t = 1 is pure noise):
//
//   uniform        t = u,                                    u ~ U(0, 1)
//   lognorm(m, s)  t = sigmoid(m + s·n),                     n ~ N(0, 1)
//   mode(s)        t = f(u) = 1 − u − s·(cos²(πu/2) − 1 + u), u ~ U(0, 1), −1 ≤ s ≤ 2/(π − 2)
//   cosmap         t = 1 − 1/(tan(πu/2) + 1),                u ~ U(0, 1)
//
// Table 1 of the paper ranks rf/lognorm(0, 1) best and rf with uniform t worst of these.

/// What is wrong with a timestep-density specification.
public enum TimestepDensityError: Error, Equatable, CustomStringConvertible {
    /// The name before `:` is not one of the known densities.
    case unknownName(String)
    /// The density got the wrong number of comma-separated parameters.
    case wrongParameterCount(name: String, expected: String, got: Int)
    /// A parameter is not a finite decimal number.
    case malformedNumber(String, spec: String)
    /// The logit-normal standard deviation is not a finite number greater than 0.
    case invalidStd(Double)
    /// The logit-normal mean is not finite.
    case invalidMean(Double)
    /// The mode scale is outside −1 ... 2/(π − 2), where the map stops being monotone.
    case modeScaleOutOfRange(Double)

    public var description: String {
        switch self {
        case .unknownName(let name):
            return "unknown timestep density '\(name)'; use one of: uniform, lognorm:M,S (e.g. lognorm:0,1), mode:S (e.g. mode:1.29), cosmap"
        case .wrongParameterCount(let name, let expected, let got):
            return "timestep density '\(name)' takes \(expected), got \(got) (\(TimestepDensity.syntax))"
        case .malformedNumber(let text, let spec):
            return "'\(text)' in timestep density '\(spec)' is not a finite number; write decimals like 0.5 or -1"
        case .invalidStd(let s):
            return "the logit-normal standard deviation must be a finite number greater than 0, got \(s); the paper's best is lognorm:0,1"
        case .invalidMean(let m):
            return "the logit-normal mean must be finite, got \(m)"
        case .modeScaleOutOfRange(let s):
            return "the mode scale must lie in -1...\(TimestepDensity.modeScaleRange.upperBound) (2/(π−2)) so that the map stays monotone, got \(s); the paper uses mode:1.29"
        }
    }
}

/// A density π(t) over the rectified-flow time t ∈ (0, 1), used to draw the training time
/// of each example: x_t = (1 − t)·x_0 + t·ε.
///
/// Construct from text with `init(parsing:)` (which validates), or directly and then call
/// `validate()`. `description` gives back the text form, and parsing it gives back the value.
public enum TimestepDensity: Sendable, Equatable {
    /// t ~ U(0, 1) (plain rectified flow).
    case uniform
    /// t = sigmoid(m + s·n), n ~ N(0, 1): the logit of t is N(mean, std²).
    case logitNormal(mean: Double, std: Double)
    /// t = 1 − u − s·(cos²(πu/2) − 1 + u), u ~ U(0, 1): s > 0 puts mass in the middle, s < 0
    /// at the ends; s = 0 is uniform. Valid for −1 ≤ s ≤ 2/(π − 2).
    case mode(scale: Double)
    /// t = 1 − 1/(tan(πu/2) + 1), u ~ U(0, 1): the cosine schedule's log-SNR mapped to RF.
    case cosMap

    /// The mode scales for which the mode map is monotone: −1 ... 2/(π − 2) ≈ 1.7519.
    public static let modeScaleRange: ClosedRange<Double> = -1...(2 / (Double.pi - 2))
    /// The mode scale used when `mode` is given without a number (the paper's rf/mode(1.29)).
    public static let defaultModeScale = 1.29
    /// The accepted text forms, for help texts and error messages.
    public static let syntax = "uniform | lognorm[:M,S] | mode[:S] | cosmap"

    // MARK: Validation and parsing

    /// Throws when a parameter is out of its range: std ≤ 0 or not finite, mean not finite,
    /// mode scale outside `modeScaleRange`.
    public func validate() throws(TimestepDensityError) {
        switch self {
        case .uniform, .cosMap:
            return
        case .logitNormal(let mean, let std):
            guard mean.isFinite else { throw .invalidMean(mean) }
            guard std.isFinite, std > 0 else { throw .invalidStd(std) }
        case .mode(let scale):
            guard Self.modeScaleRange.contains(scale) else { throw .modeScaleOutOfRange(scale) }
        }
    }

    /// Parses `uniform`, `lognorm:M,S` (bare `lognorm` is `lognorm:0,1`), `mode:S` (bare `mode`
    /// is `mode:1.29`) or `cosmap`. Names are case-insensitive; spaces around parts are ignored.
    /// - Throws: `TimestepDensityError` naming the problem: an unknown name, a wrong number of
    ///   parameters, a malformed number, or a parameter out of range.
    public init(parsing text: String) throws(TimestepDensityError) {
        let spec = text.trimmingCharacters(in: .whitespaces)
        let name: String
        var fields: [String] = []
        if let colon = spec.firstIndex(of: ":") {
            name = spec[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            fields = spec[spec.index(after: colon)...].split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
        } else {
            name = spec.lowercased()
        }
        var numbers: [Double] = []
        for field in fields {
            guard let value = Double(field), value.isFinite else { throw .malformedNumber(field, spec: spec) }
            numbers.append(value)
        }
        switch name {
        case "uniform", "cosmap":
            guard numbers.isEmpty else {
                throw .wrongParameterCount(name: name, expected: "no parameters", got: numbers.count)
            }
            self = name == "uniform" ? .uniform : .cosMap
        case "lognorm":
            switch numbers.count {
            case 0: self = .logitNormal(mean: 0, std: 1)
            case 2: self = .logitNormal(mean: numbers[0], std: numbers[1])
            default:
                throw .wrongParameterCount(name: name, expected: "two parameters (mean,std) or none", got: numbers.count)
            }
        case "mode":
            switch numbers.count {
            case 0: self = .mode(scale: Self.defaultModeScale)
            case 1: self = .mode(scale: numbers[0])
            default:
                throw .wrongParameterCount(name: name, expected: "one parameter (scale) or none", got: numbers.count)
            }
        default:
            throw .unknownName(name)
        }
        try validate()
    }

    // MARK: Sampling

    /// Draws one t in the open interval (0, 1): one `nextNormal()` for the logit-normal, one
    /// `nextUniform()` otherwise. The map is evaluated in Double and rounded to Float; a
    /// result that would round to 0 or 1 is clamped to the nearest Float strictly inside.
    public func sample(using rng: inout some RandomSource) -> Float {
        let t: Double
        switch self {
        case .uniform:
            t = Double(rng.nextUniform())
        case .logitNormal(let mean, let std):
            t = Self.logitNormalMap(normal: Double(rng.nextNormal()), mean: mean, std: std)
        case .mode(let scale):
            t = Self.modeMap(uniform: Double(rng.nextUniform()), scale: scale)
        case .cosMap:
            t = Self.cosMap(uniform: Double(rng.nextUniform()))
        }
        return min(max(Float(t), .leastNormalMagnitude), Float(1).nextDown)
    }

    /// sigmoid(mean + std·n).
    public static func logitNormalMap(normal n: Double, mean: Double, std: Double) -> Double {
        1 / (1 + exp(-(mean + std * n)))
    }

    /// The mode map f(u) = 1 − u − s·(cos²(πu/2) − 1 + u): f(0) = 1, f(1/2) = 1/2, f(1) = 0,
    /// decreasing on [0, 1] for s in `modeScaleRange`.
    public static func modeMap(uniform u: Double, scale s: Double) -> Double {
        let c = cos(Double.pi * u / 2)
        return 1 - u - s * (c * c - 1 + u)
    }

    /// f'(u) = −1 − s + (sπ/2)·sin(πu), the derivative of `modeMap`.
    public static func modeMapDerivative(uniform u: Double, scale s: Double) -> Double {
        -1 - s + s * Double.pi / 2 * sin(Double.pi * u)
    }

    /// The CosMap map 1 − 1/(tan(πu/2) + 1), evaluated as w/(w + 1) with w = tan(πu/2)
    /// (the same value, without the cancellation of 1 − (…) near u = 0).
    public static func cosMap(uniform u: Double) -> Double {
        let w = tan(Double.pi * u / 2)
        return w / (w + 1)
    }

    // MARK: Density and distribution function

    /// The probability density π(t); 0 outside (0, 1).
    ///
    /// - logit-normal: φ((logit t − m)/s) / (s·t·(1 − t))
    /// - mode: 1/|f'(u)| at the u with f(u) = t (change of variables through the decreasing f)
    /// - CosMap: 2 / (π·(t² + (1 − t)²)), from the CDF below.
    public func pdf(_ t: Double) -> Double {
        guard t > 0, t < 1 else { return 0 }
        switch self {
        case .uniform:
            return 1
        case .logitNormal(let mean, let std):
            let z = (log(t / (1 - t)) - mean) / std
            return exp(-0.5 * z * z) / (2 * Double.pi).squareRoot() / (std * t * (1 - t))
        case .mode(let scale):
            let u = Self.modeInverse(t, scale: scale)
            return 1 / abs(Self.modeMapDerivative(uniform: u, scale: scale))
        case .cosMap:
            return 2 / (Double.pi * (t * t + (1 - t) * (1 - t)))
        }
    }

    /// The distribution function P(T ≤ t); 0 at t ≤ 0 and 1 at t ≥ 1.
    ///
    /// - logit-normal: Φ((logit t − m)/s)
    /// - mode: 1 − u(t), since f decreases: T ≤ t ⇔ U ≥ u(t), with u(t) found by bisection
    /// - CosMap: t = w/(w + 1) with w = tan(πu/2) increases in u, so u(t) = (2/π)·atan(t/(1 − t))
    ///   and F(t) = u(t).
    public func cdf(_ t: Double) -> Double {
        guard t > 0 else { return 0 }
        guard t < 1 else { return 1 }
        switch self {
        case .uniform:
            return t
        case .logitNormal(let mean, let std):
            let z = (log(t / (1 - t)) - mean) / std
            return 0.5 * erfc(-z / 2.0.squareRoot())
        case .mode(let scale):
            return 1 - Self.modeInverse(t, scale: scale)
        case .cosMap:
            return 2 / Double.pi * atan2(t, 1 - t)
        }
    }

    /// The u in [0, 1] with f(u) = t for the (decreasing) mode map, by bisection to the
    /// resolution of Double.
    static func modeInverse(_ t: Double, scale: Double) -> Double {
        var lo = 0.0, hi = 1.0
        while true {
            let mid = 0.5 * (lo + hi)
            guard mid > lo, mid < hi else { return mid }
            if modeMap(uniform: mid, scale: scale) > t { lo = mid } else { hi = mid }
        }
    }
}

extension TimestepDensity {
    /// The schedule shift that samples where this density trains: shifting t by s adds ln s to
    /// its logit, so logit-normal(m, ·) is logit-normal(0, ·) shifted by eᵐ (SD3 trains and samples
    /// its high-resolution models with the same shift). 1 for the other densities.
    public var equivalentShift: Double {
        if case .logitNormal(let mean, _) = self { return exp(mean) }
        return 1
    }
}

extension TimestepDensity: CustomStringConvertible, LosslessStringConvertible {
    /// The text form that `init(parsing:)` reads back to the same value:
    /// `uniform`, `lognorm:0,1`, `lognorm:1,0.6`, `mode:1.29`, `cosmap`.
    public var description: String {
        switch self {
        case .uniform: return "uniform"
        case .logitNormal(let mean, let std): return "lognorm:\(SettingText.exact(mean)),\(SettingText.exact(std))"
        case .mode(let scale): return "mode:\(SettingText.exact(scale))"
        case .cosMap: return "cosmap"
        }
    }

    /// Parses like `init(parsing:)`, returning nil on any error.
    public init?(_ description: String) {
        guard let value = try? TimestepDensity(parsing: description) else { return nil }
        self = value
    }
}
