import Foundation

/// L = a·C^b fitted by least squares on (log C, log L): the scaling law of validation loss L
/// against training compute C.
public struct PowerLaw: Sendable, Equatable {
    public let a: Double
    public let b: Double
    /// The coefficient of determination of the fit in log space (1 = exact).
    public let rSquared: Double

    /// The fit through the points with C > 0 and L > 0; nil with fewer than two such points or
    /// when all C are equal.
    public static func fit(x: [Double], y: [Double]) -> PowerLaw? {
        var lx: [Double] = [], ly: [Double] = []
        for (c, l) in zip(x, y) where c > 0 && l > 0 && c.isFinite && l.isFinite {
            lx.append(log(c))
            ly.append(log(l))
        }
        guard lx.count >= 2 else { return nil }
        let n = Double(lx.count)
        let mx = lx.reduce(0, +) / n, my = ly.reduce(0, +) / n
        var sxx = 0.0, sxy = 0.0, syy = 0.0
        for i in lx.indices {
            sxx += (lx[i] - mx) * (lx[i] - mx)
            sxy += (lx[i] - mx) * (ly[i] - my)
            syy += (ly[i] - my) * (ly[i] - my)
        }
        guard sxx > 0 else { return nil }
        let b = sxy / sxx
        let a = exp(my - b * mx)
        var residual = 0.0
        for i in lx.indices {
            let e = ly[i] - (my + b * (lx[i] - mx))
            residual += e * e
        }
        return PowerLaw(a: a, b: b, rSquared: syy > 0 ? 1 - residual / syy : 1)
    }

    /// a·C^b.
    public func callAsFunction(_ c: Double) -> Double { a * pow(c, b) }

    /// The law as text in ASCII (the plots' font has no other), e.g. `L = 12.3 * C^-0.0512`.
    public var description: String { String(format: "L = %.4g * C^%.4f", a, b) }
}
