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

/// Parsing and range checks for the numeric fields: `SamplingLimits`' rules (the ones the
/// command line and the file readers use) for steps, CFG and shift; any `UInt64` for the seed.
public enum FieldLimits {
    public static func parseSteps(_ text: String) throws(FieldError) -> Int { try parse(text, SamplingLimits.stepsRule, .steps) }
    public static func parseCFG(_ text: String) throws(FieldError) -> Float { try parse(text, SamplingLimits.cfgRule, .cfg) }
    public static func parseShift(_ text: String) throws(FieldError) -> Double { try parse(text, SamplingLimits.shiftRule, .shift) }

    /// `text` (white space around it ignored) read and checked by `rule`.
    static func parse<Value>(_ text: String, _ rule: SamplingLimits.Rule<Value>, _ field: StudioField) throws(FieldError) -> Value {
        do {
            return try rule.parse(text.trimmingCharacters(in: .whitespaces))
        } catch {
            throw FieldError(field: field, reason: error.message)
        }
    }

    public static func parseSeed(_ text: String) throws(FieldError) -> UInt64 {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard let s = UInt64(t) else {
            let random = t.hasPrefix("-") ? " (for a random seed press Ctrl-R, or set the seed mode to random)" : ""
            throw FieldError(field: .seed, reason: "the seed must be a whole number in 0…\(UInt64.max); '\(t)' is not one" + random)
        }
        return s
    }

}
