import FlowCore
import Foundation
import RectifiedFlow

/// The ranges every front end accepts for the sampling settings, and the one validator they all
/// use: the studio's fields, the command line, favorites read back and PNG `parameters` read
/// back. Each setting has a `Rule` that reads a value, checks it and says in one message why it
/// is refused ("CFG scale must be in 0…50; -1 is out of range").
public enum SamplingLimits {
    public static let steps = 1...SigmaSchedule.maxSteps
    /// 1 means no guidance; SD3 uses 7, the demo model 4.
    public static let cfg: ClosedRange<Float> = 0...50
    /// SD3 uses 3, the demo model 5.75; below 0.05 or above 20 the schedule leaves no steps
    /// where the image is decided.
    public static let shift: ClosedRange<Double> = 0.05...20

    /// Denoising steps: a whole number in `steps`.
    public static let stepsRule = Rule(name: "steps", range: steps, kind: "a whole number", hint: "",
                                       isNumber: { _ in true }, read: { Int($0) }, show: { String($0) })
    /// CFG scale: a finite number in `cfg`.
    public static let cfgRule = Rule(name: "CFG scale", range: cfg, kind: "a number", hint: " (1 = no guidance)",
                                     isNumber: { $0.isFinite }, read: { Float($0) },
                                     show: { v in Float(SettingText.format(Double(v))) == v ? SettingText.format(Double(v)) : "\(v)" })
    /// Schedule shift: a finite number in `shift`.
    public static let shiftRule = Rule(name: "shift", range: shift, kind: "a number", hint: " (SD3 uses 3)",
                                       isNumber: { $0.isFinite }, read: { Double($0) },
                                       show: { v in Double(SettingText.format(v)) == v ? SettingText.format(v) : "\(v)" })

    /// One setting's accepted values, and the one way a refusal of it reads.
    public struct Rule<Value: Comparable & Sendable>: Sendable {
        /// How the setting is named in messages ("steps", "CFG scale", "shift").
        public let name: String
        public let range: ClosedRange<Value>
        /// "a whole number" or "a number".
        let kind: String
        /// Said after the range when a value is not a number at all, e.g. " (1 = no guidance)".
        let hint: String
        /// False for values that are no number to range-check (NaN, infinities).
        let isNumber: @Sendable (Value) -> Bool
        let read: @Sendable (String) -> Value?
        /// The value as people write it (`7`, `0.25`, `1e-08`).
        let show: @Sendable (Value) -> String

        /// What a value must be: "a whole number in 1…1000", "a number in 0…50".
        public var expected: String { "\(kind) in \(describedRange)" }
        /// `1…1000`, `0.05…20`.
        public var describedRange: String { "\(show(range.lowerBound))…\(show(range.upperBound))" }

        /// Why `value` is refused, or nil when it is accepted. `name` replaces the setting's
        /// name (a flag such as `--cfg`); `text` is the value as it was typed, when it was.
        public func problem(with value: Value, named name: String? = nil, typed text: String? = nil) -> String? {
            let name = name ?? self.name
            guard isNumber(value) else { return "\(name) must be \(expected)\(hint); '\(text ?? show(value))' is not one" }
            guard range.contains(value) else { return "\(name) must be in \(describedRange); \(text ?? show(value)) is out of range" }
            return nil
        }

        /// The value `text` holds (no white space around it), or the refusal with its reason.
        public func parse(_ text: String, named name: String? = nil) throws(Refusal) -> Value {
            guard let value = read(text) else {
                throw Refusal(message: "\(name ?? self.name) must be \(expected)\(hint); '\(text)' is not one")
            }
            if let why = problem(with: value, named: name, typed: text) { throw Refusal(message: why) }
            return value
        }

        /// `value` moved into the range (for stepping a setting up or down).
        public func clamped(_ value: Value) -> Value { min(max(value, range.lowerBound), range.upperBound) }
    }

    /// A value refused by a `Rule`, with the message that says why.
    public struct Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        public let message: String
        public init(message: String) { self.message = message }
        public var description: String { message }
    }

    /// What is outside the ranges in `settings` (e.g. "steps must be in 1…1000; 0 is out of
    /// range"), or nil.
    public static func problem(with settings: GenerationSettings) -> String? {
        if let why = stepsRule.problem(with: settings.steps) { return why }
        if let why = cfgRule.problem(with: settings.cfgScale) { return why }
        if let why = shiftRule.problem(with: settings.shift) { return why }
        if settings.width < 1 || settings.height < 1 { return "size \(settings.width)x\(settings.height) is empty" }
        return nil
    }
}
