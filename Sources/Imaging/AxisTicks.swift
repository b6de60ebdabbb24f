import Foundation

/// Where an axis puts its ticks and what they read: "nice" numbers (1, 2 or 5 times a power of
/// ten) on a linear axis, powers of ten (with 2 and 5 between them when the axis spans less
/// than two decades, every digit when it spans less than one) on a logarithmic axis.
public enum AxisTicks {
    /// The nice step (1, 2 or 5 × 10^k) nearest above `span / targetCount`.
    public static func niceStep(span: Double, targetCount: Int) -> Double {
        guard span > 0, span.isFinite, targetCount >= 1 else { return 1 }
        let raw = span / Double(targetCount)
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let fraction = raw / magnitude
        let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        return nice * magnitude
    }

    /// A linear axis over the data range `low...high`: the range widened to whole steps, and the
    /// ticks (multiples of the step, about `targetCount` of them). A range of one value is
    /// widened around it first.
    public static func linear(low: Double, high: Double, targetCount: Int = 6) -> (domain: ClosedRange<Double>, ticks: [Double]) {
        var (lo, hi) = (min(low, high), max(low, high))
        if !(lo.isFinite && hi.isFinite) { (lo, hi) = (0, 1) }
        if hi - lo <= abs(hi) * 1e-12 {
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            (lo, hi) = (lo - pad, hi + pad)
        }
        let step = niceStep(span: hi - lo, targetCount: targetCount)
        let first = (lo / step).rounded(.down), last = (hi / step).rounded(.up)
        let ticks = stride(from: first, through: last, by: 1).map { clean($0 * step, step: step) }
        return (clean(first * step, step: step)...clean(last * step, step: step), ticks)
    }

    /// A logarithmic axis over the positive data range `low...high`: the domain (the range
    /// padded by 5% of its width in log space, or ±half a decade around a single value) and the
    /// ticks inside it (10^k; with 2·10^k and 5·10^k under two decades; every digit under one;
    /// nice linear steps when not even two digits·10^k fall inside).
    public static func logarithmic(low: Double, high: Double) -> (domain: ClosedRange<Double>, ticks: [Double]) {
        var (lo, hi) = (min(low, high), max(low, high))
        if !(lo > 0 && hi.isFinite) { (lo, hi) = (1, 10) }
        var (a, b) = (log10(lo), log10(hi))
        if b - a < 1e-9 { (a, b) = (a - 0.5, b + 0.5) } else { let pad = 0.05 * (b - a); (a, b) = (a - pad, b + pad) }
        let decades = b - a
        let mantissas: [Double] = decades >= 2 ? [1] : decades >= 1 ? [1, 2, 5] : [1, 2, 3, 4, 5, 6, 7, 8, 9]
        var ticks: [Double] = []
        for k in Int(a.rounded(.down))...Int(b.rounded(.up)) {
            for m in mantissas {
                let v = m * pow(10, Double(k))
                let e = log10(v)
                if e >= a - 1e-12 && e <= b + 1e-12 { ticks.append(v) }
            }
        }
        // Within a fraction of a decade no digit·10^k may fall inside: nice linear steps then.
        if ticks.count < 2 {
            let (lo, hi) = (pow(10, a), pow(10, b))
            let step = niceStep(span: hi - lo, targetCount: 5)
            ticks = stride(from: (lo / step).rounded(.up), through: (hi / step).rounded(.down), by: 1).map { clean($0 * step, step: step) }
        }
        // Over many decades, every other power of ten (or fewer) keeps the labels apart.
        if ticks.count > 8 && decades >= 2 {
            let every = Int((Double(ticks.count) / 6).rounded(.up))
            ticks = ticks.enumerated().filter { $0.offset % every == 0 }.map(\.element)
        }
        return (pow(10, a)...pow(10, b), ticks)
    }

    /// A tick's label: plain decimals between 10⁻³ and 10⁵ (no trailing zeros), otherwise
    /// mantissa and exponent (`2e14`, `1.5e-5`).
    public static func label(_ value: Double) -> String {
        if value == 0 { return "0" }
        let exponent = Int(log10(abs(value)).rounded(.down))
        if exponent >= 5 || exponent < -3 {
            let mantissa = value / pow(10, Double(exponent))
            return trimmed(String(format: "%.2f", mantissa)) + "e\(exponent)"
        }
        return trimmed(String(format: "%.6f", value))
    }

    /// The value rounded to the step's precision (so 0.1·3 reads 0.3, not 0.30000000000000004).
    static func clean(_ value: Double, step: Double) -> Double {
        let digits = max(0, -Int(log10(step).rounded(.down)) + 1)
        let scale = pow(10, Double(min(digits, 15)))
        let rounded = (value * scale).rounded() / scale
        return rounded == 0 ? 0 : rounded
    }

    static func trimmed(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var t = text
        while t.hasSuffix("0") { t.removeLast() }
        if t.hasSuffix(".") { t.removeLast() }
        return t == "-0" ? "0" : t
    }
}
