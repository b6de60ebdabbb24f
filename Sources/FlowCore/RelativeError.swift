import Foundation

/// How far an output `y` is from a reference output `r` of the same shape (e.g. a forward with
/// bf16 or Q8_0 weights against the same forward with float32 weights), scaled by the
/// reference's own size, so one number reads the same for any model and output magnitude:
///
/// - `l2`: ‖y − r‖₂ / ‖r‖₂ (the error of the whole output),
/// - `max`: max|y − r| / max|r| (the worst element against the largest reference value).
///
/// Sums run in Double, in plain loops (this is a measurement, not a hot path). A reference of
/// all zeros gives infinity for any difference (and 0 for none); a shape mismatch or a NaN gives NaN.
public struct RelativeError: Sendable, Equatable, CustomStringConvertible {
    /// ‖y − r‖₂ / ‖r‖₂.
    public let l2: Double
    /// max|y − r| / max|r|.
    public let max: Double

    /// The error of `output` against `reference`.
    public init(_ output: Tensor, reference: Tensor) {
        guard output.shape == reference.shape else {
            (l2, max) = (.nan, .nan)
            return
        }
        var diffSquares = 0.0, refSquares = 0.0, maxDiff = 0.0, maxRef = 0.0
        for i in 0..<reference.count {
            let y = Double(output.scalars[i]), r = Double(reference.scalars[i])
            let d = y - r
            if d.isNaN { diffSquares = .nan }
            diffSquares += d * d
            refSquares += r * r
            maxDiff = Swift.max(maxDiff, abs(d))
            maxRef = Swift.max(maxRef, abs(r))
        }
        func ratio(_ a: Double, _ b: Double) -> Double { a.isNaN ? .nan : (a == 0 ? 0 : a / b) }
        l2 = ratio(diffSquares.squareRoot(), refSquares.squareRoot())
        max = diffSquares.isNaN ? .nan : ratio(maxDiff, maxRef)
    }

    /// "relative L2 1.23e-03, max 4.56e-03".
    public var description: String {
        String(format: "relative L2 %.2e, max %.2e", l2, max)
    }
}
