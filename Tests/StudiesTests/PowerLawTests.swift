import Foundation
import Testing
@testable import Studies

@Suite struct PowerLawTests {
    @Test func recoversAnExactLaw() throws {
        let c = [1e9, 1e10, 1e11, 1e12]
        let fit = try #require(PowerLaw.fit(x: c, y: c.map { 3 * pow($0, -0.1) }))
        #expect(abs(fit.a - 3) < 1e-9 * 3)
        #expect(abs(fit.b + 0.1) < 1e-12)
        #expect(abs(fit.rSquared - 1) < 1e-12)
        #expect(abs(fit(1e13) - 3 * pow(1e13, -0.1)) < 1e-12)
    }

    /// Against NumPy: `b, la = np.polyfit(np.log(x), np.log(y), 1)` with x = [1e9, 1e10, 1e11,
    /// 1e12], y = [0.9, 0.7, 0.62, 0.5] gives b = -0.08185238658259206, exp(la) = 4.809784516363232,
    /// R² = 0.9843168633896909 (1 − residual / total sum of squares of log y).
    @Test func matchesNumPyOnNoisyPoints() throws {
        let fit = try #require(PowerLaw.fit(x: [1e9, 1e10, 1e11, 1e12], y: [0.9, 0.7, 0.62, 0.5]))
        #expect(abs(fit.b - -0.08185238658259206) < 1e-12)
        #expect(abs(fit.a - 4.809784516363232) < 1e-9)
        #expect(abs(fit.rSquared - 0.9843168633896909) < 1e-12)
    }

    @Test func needsTwoDistinctPositivePoints() {
        #expect(PowerLaw.fit(x: [1e9], y: [0.5]) == nil)
        #expect(PowerLaw.fit(x: [1e9, 1e9], y: [0.5, 0.4]) == nil)
        #expect(PowerLaw.fit(x: [1e9, -1, 0], y: [0.5, 0.4, 0.3]) == nil)
        #expect(PowerLaw.fit(x: [1e9, 1e10, 0], y: [0.5, 0.4, 0.3]) != nil)
    }
}
