import RectifiedFlow

/// The ranges every front end accepts for the sampling settings: the studio's fields, the
/// command line, favorites read back and PNG `parameters` read back.
public enum SamplingLimits {
    public static let steps = 1...SigmaSchedule.maxSteps
    /// 1 means no guidance; SD3 uses 7, the demo model 4.
    public static let cfg: ClosedRange<Float> = 0...50
    /// SD3 uses 3, the demo model 5.75; below 0.05 or above 20 the schedule leaves no steps
    /// where the image is decided.
    public static let shift: ClosedRange<Double> = 0.05...20

    /// What is outside the ranges in `settings` (e.g. "steps 0 is not in 1…1000"), or nil.
    public static func problem(with settings: GenerationSettings) -> String? {
        if !steps.contains(settings.steps) { return "steps \(settings.steps) is not in \(describe(steps))" }
        if !(settings.cfgScale.isFinite && cfg.contains(settings.cfgScale)) {
            return "CFG scale \(settings.cfgScale) is not in \(describe(cfg))"
        }
        if !(settings.shift.isFinite && shift.contains(settings.shift)) {
            return "shift \(settings.shift) is not in \(describe(shift))"
        }
        if settings.width < 1 || settings.height < 1 { return "size \(settings.width)x\(settings.height) is empty" }
        return nil
    }

    /// `1…1000`.
    public static func describe(_ range: ClosedRange<Int>) -> String { "\(range.lowerBound)…\(range.upperBound)" }
    /// `0…50`.
    public static func describe(_ range: ClosedRange<Float>) -> String {
        "\(format(Double(range.lowerBound)))…\(format(Double(range.upperBound)))"
    }
    /// `0.05…20`.
    public static func describe(_ range: ClosedRange<Double>) -> String { "\(format(range.lowerBound))…\(format(range.upperBound))" }

    /// A setting as people write it: `7`, `4.5`, `0.25` (at most four decimals).
    public static func format(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        var s = String(format: "%.4f", v)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }
}
