import Foundation
import Generation
import RectifiedFlow

/// The places the focus can be, in Tab order.
public enum StudioField: String, CaseIterable, Sendable {
    case prompt, negative, steps, cfg, seed, seedMode, shift, sampler, size, preview, live

    /// The label shown beside the value.
    public var label: String {
        switch self {
        case .prompt: "Prompt"
        case .negative: "Negative"
        case .steps: "Steps"
        case .cfg: "CFG scale"
        case .seed: "Seed"
        case .seedMode: "Seed mode"
        case .shift: "Shift"
        case .sampler: "Sampler"
        case .size: "Size"
        case .preview: "Preview"
        case .live: "Live"
        }
    }

    /// Free-text fields edited with the prompt editor.
    public var isText: Bool { self == .prompt || self == .negative }
    /// Fields whose value is typed as a number.
    public var isNumeric: Bool { self == .steps || self == .cfg || self == .seed || self == .shift }
    /// The settings fields shown as a list under the prompts.
    public static let settings: [StudioField] = [.steps, .cfg, .seed, .seedMode, .shift, .sampler, .size, .preview, .live]
}

/// How the seed changes between generations.
public enum SeedMode: String, CaseIterable, Codable, Sendable {
    /// The same seed every time.
    case fixed
    /// A new random seed before each generation.
    case random
    /// The seed goes up by one after each finished generation.
    case increment
}

/// A value typed into a field that is refused, with the reason shown to the user.
public struct FieldError: Error, Equatable, Sendable, CustomStringConvertible {
    public let field: StudioField
    public let reason: String
    public var description: String { reason }
}

/// Parsing and range checks for the numeric fields.
public enum FieldLimits {
    public static let steps = SamplingLimits.steps
    public static let cfg = SamplingLimits.cfg
    public static let shift = SamplingLimits.shift

    public static func parseSteps(_ text: String) throws(FieldError) -> Int {
        let t = text.trimmingCharacters(in: .whitespaces)
        let range = SamplingLimits.describe(steps)
        guard let n = Int(t) else { throw FieldError(field: .steps, reason: "steps must be a whole number in \(range); '\(t)' is not one") }
        guard steps.contains(n) else { throw FieldError(field: .steps, reason: "steps must be in \(range); \(n) is out of range") }
        return n
    }

    public static func parseCFG(_ text: String) throws(FieldError) -> Float {
        let t = text.trimmingCharacters(in: .whitespaces)
        let range = SamplingLimits.describe(cfg)
        guard let g = Float(t), g.isFinite else {
            throw FieldError(field: .cfg, reason: "CFG scale must be a number in \(range) (1 = no guidance); '\(t)' is not one")
        }
        guard cfg.contains(g) else { throw FieldError(field: .cfg, reason: "CFG scale must be in \(range); \(t) is out of range") }
        return g
    }

    public static func parseSeed(_ text: String) throws(FieldError) -> UInt64 {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard let s = UInt64(t) else {
            let random = t.hasPrefix("-") ? " (for a random seed press Ctrl-R, or set the seed mode to random)" : ""
            throw FieldError(field: .seed, reason: "the seed must be a whole number in 0…\(UInt64.max); '\(t)' is not one" + random)
        }
        return s
    }

    public static func parseShift(_ text: String) throws(FieldError) -> Double {
        let t = text.trimmingCharacters(in: .whitespaces)
        let range = SamplingLimits.describe(shift)
        guard let s = Double(t), s.isFinite else {
            throw FieldError(field: .shift, reason: "shift must be a number in \(range) (SD3 uses 3); '\(t)' is not one")
        }
        guard shift.contains(s) else { throw FieldError(field: .shift, reason: "shift must be in \(range); \(t) is out of range") }
        return s
    }

    /// A number the way a field shows it: `7`, `4.5`, `0.25`.
    public static func format(_ v: Double) -> String { SamplingLimits.format(v) }
}
