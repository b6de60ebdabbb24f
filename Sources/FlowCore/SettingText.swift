import Foundation

/// Numbers as people write settings (`7`, `4.5`, `0.25`): the one formatter the command line,
/// the studio, PNG parameters and training options share.
public enum SettingText {
    /// `v` with at most four decimals and no trailing zeros; whole numbers without a point.
    public static func format(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        var s = String(format: "%.4f", v)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    /// `v` exactly (the shortest text that reads back as the same Double), whole numbers
    /// without a point: for values that must survive a round trip (PNG parameters, densities).
    public static func exact(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }

    /// `v` exactly as a Float (the shortest text that reads back as the same Float: `2.8`, not
    /// the Double widening's `2.799999952316284`), whole numbers without a point.
    public static func exact(_ v: Float) -> String {
        if v == v.rounded() && abs(v) < 1e7 { return String(Int64(v)) }
        return String(v)
    }
}
