import FlowCore
import RectifiedFlow

/// An X/Y grid: one or two settings swept over a few values each, every combination one image
/// (a cell). The CLI (`flowstudio grid`) and the studio's sweep editor read axes written as
/// `SETTING=V1,V2,…`: `seed=1,2,3`, `cfg=3,5`, `steps=8,16`, `shift=1,3`, `sampler=euler,heun`,
/// and `word=red,blue`, or just `word`, which sweeps the prompt's `A|B|C` alternatives (the first
/// word holding a `|`).
public struct Sweep: Equatable, Sendable {
    /// The axis across (columns).
    public var x: SweepAxis
    /// The axis down (rows); nil: one row.
    public var y: SweepAxis?

    /// The most values one axis takes, and the most cells of a grid.
    public static let maxValues = 12
    public static let maxCells = 48

    public init(x: SweepAxis, y: SweepAxis? = nil) throws(SweepError) {
        self.x = x
        self.y = y
        if let y, y.setting == x.setting { throw .sameSetting(x.setting.rawValue) }
        if cellCount > Self.maxCells { throw .tooManyCells(cellCount) }
    }

    public var columns: Int { x.values.count }
    public var rows: Int { y?.values.count ?? 1 }
    public var cellCount: Int { columns * rows }

    /// The settings of cell `index` (row-major: left to right, then down) made from `base`.
    public func settings(cell index: Int, base: GenerationSettings) -> GenerationSettings {
        var s = x.apply(index % columns, to: base)
        if let y { s = y.apply(index / columns, to: s) }
        return s
    }

    /// Every cell's settings, row-major.
    public func cells(base: GenerationSettings) -> [GenerationSettings] {
        (0..<cellCount).map { settings(cell: $0, base: base) }
    }

    /// The sweep as the `Grid` field of the sheet's PNG parameters: `X: seed=1,2,3; Y: cfg=3,5`.
    public var fieldValue: String {
        "X: \(x.text)" + (y.map { "; Y: \($0.text)" } ?? "")
    }

    /// The PNG parameters key of `fieldValue`.
    public static let fieldKey = "Grid"
}

/// The settings an axis can sweep.
public enum SweepSetting: String, CaseIterable, Sendable {
    case seed, cfg, steps, shift, sampler, word
}

/// One axis of a grid: a setting and its values (as text, checked when parsed).
public struct SweepAxis: Equatable, Sendable {
    public var setting: SweepSetting
    public var values: [String]

    /// Reads `SETTING=V1,V2,…` (or `word` alone, taking the alternatives from `prompt`). Throws
    /// naming what is wrong.
    public init(parsing text: String, prompt: String) throws(SweepError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let name = parts.first, let setting = SweepSetting(rawValue: name.lowercased()) else {
            throw .unknownSetting(trimmed)
        }
        var values = parts.count > 1 ? parts[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } : []
        values = values.filter { !$0.isEmpty }
        if setting == .word {
            guard let token = Self.alternativesToken(in: prompt) else { throw .noAlternatives }
            if values.isEmpty { values = token.split(separator: "|").map(String.init).filter { !$0.isEmpty } }
        }
        guard !values.isEmpty else { throw .noValues(setting.rawValue) }
        guard values.count <= Sweep.maxValues else { throw .tooManyValues(setting.rawValue, values.count) }
        for value in values {
            if let why = Self.problem(value, setting) { throw .badValue(setting.rawValue, value, why) }
        }
        self.setting = setting
        self.values = values
    }

    /// `SETTING=V1,V2,…`.
    public var text: String { "\(setting.rawValue)=\(values.joined(separator: ","))" }

    /// The label of value `index` on the sheet: `seed 3`, `cfg 5`, `heun`, `red`.
    public func label(_ index: Int) -> String {
        switch setting {
        case .sampler, .word: values[index]
        default: "\(setting.rawValue) \(values[index])"
        }
    }

    /// `settings` with value `index` of this axis.
    public func apply(_ index: Int, to settings: GenerationSettings) -> GenerationSettings {
        var s = settings
        let v = values[index]
        switch setting {
        case .seed: s.seed = UInt64(v) ?? s.seed
        case .cfg: s.cfgScale = (try? SamplingLimits.cfgRule.parse(v)) ?? s.cfgScale
        case .steps: s.steps = (try? SamplingLimits.stepsRule.parse(v)) ?? s.steps
        case .shift: s.shift = (try? SamplingLimits.shiftRule.parse(v)) ?? s.shift
        case .sampler: s.sampler = Self.sampler(v) ?? s.sampler
        case .word: s.prompt = Self.replacingAlternatives(in: s.prompt, with: v)
        }
        return s
    }

    /// The first whitespace-separated word of `prompt` holding a `|` (`red|blue|green`).
    public static func alternativesToken(in prompt: String) -> String? {
        prompt.split(whereSeparator: \.isWhitespace).first { $0.contains("|") }.map(String.init)
    }

    /// `prompt` with its first `A|B|C` word replaced by `value` (the rest kept as it is).
    public static func replacingAlternatives(in prompt: String, with value: String) -> String {
        guard let token = alternativesToken(in: prompt), let range = prompt.range(of: token) else { return prompt }
        return prompt.replacingCharacters(in: range, with: value)
    }

    static func sampler(_ text: String) -> SamplerKind? {
        SamplerKind(rawValue: text.lowercased()) ?? A1111Parameters.samplerKind(text)
    }

    static func problem(_ value: String, _ setting: SweepSetting) -> String? {
        switch setting {
        case .seed: return UInt64(value) == nil ? "a whole number ≥ 0" : nil
        case .cfg: return (try? SamplingLimits.cfgRule.parse(value)) == nil ? SamplingLimits.cfgRule.expected : nil
        case .steps: return (try? SamplingLimits.stepsRule.parse(value)) == nil ? SamplingLimits.stepsRule.expected : nil
        case .shift: return (try? SamplingLimits.shiftRule.parse(value)) == nil ? SamplingLimits.shiftRule.expected : nil
        case .sampler:
            return sampler(value) == nil ? SamplerKind.allCases.map(\.rawValue).joined(separator: " or ") : nil
        case .word: return nil
        }
    }
}

/// Why a sweep cannot be made.
public enum SweepError: Error, Equatable, CustomStringConvertible {
    case unknownSetting(String)
    case noValues(String)
    case tooManyValues(String, Int)
    case badValue(String, String, String)
    case noAlternatives
    case sameSetting(String)
    case tooManyCells(Int)

    public var description: String {
        let settings = SweepSetting.allCases.map(\.rawValue).joined(separator: ", ")
        switch self {
        case let .unknownSetting(text):
            return "'\(text)' is not an axis: write SETTING=V1,V2,… with SETTING one of \(settings), e.g. seed=1,2,3"
        case let .noValues(setting):
            return "the \(setting) axis has no values: write \(setting)=V1,V2,…"
        case let .tooManyValues(setting, n):
            return "the \(setting) axis has \(n) values; a grid takes at most \(Sweep.maxValues) a side"
        case let .badValue(setting, value, expected):
            return "'\(value)' is not a \(setting) value (expected \(expected))"
        case .noAlternatives:
            return "the word axis sweeps a word of the prompt written as A|B|C (e.g. 'a red|blue|green circle'); the prompt has none"
        case let .sameSetting(setting):
            return "both axes sweep \(setting): pick two different settings"
        case let .tooManyCells(n):
            return "\(n) cells is more than a grid takes (\(Sweep.maxCells)); use fewer values"
        }
    }
}
