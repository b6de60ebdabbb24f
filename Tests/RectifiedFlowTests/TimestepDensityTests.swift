import Foundation
import Testing
import FlowCore
@testable import RectifiedFlow

/// A source that returns fixed uniforms and normals, to drive the maps at chosen points.
private struct ScriptedSource: RandomSource {
    var uniform: Float
    var normal: Float
    mutating func nextUInt32() -> UInt32 { 0 }
    mutating func nextUniform() -> Float { uniform }
    mutating func nextNormal() -> Float { normal }
}

@Suite struct TimestepDensityTests {
    /// The densities of the paper's Table 1 plus the ends of the mode range that stay
    /// integrable without a spike at the sampled point.
    static let densities: [TimestepDensity] = [
        .uniform, .logitNormal(mean: 0, std: 1), .logitNormal(mean: 1, std: 0.6),
        .logitNormal(mean: -0.5, std: 2), .mode(scale: 1.29), .mode(scale: -0.5), .mode(scale: 0),
        .cosMap,
    ]

    /// Kolmogorov–Smirnov: with n = 100 000 draws from a fixed seed, sqrt(n)·D must stay below
    /// 1.95, the asymptotic critical value at α = 0.001 (sqrt(−ln(α/2)/2) = 1.949). A wrong
    /// transform or CDF gives large values (measured: mode(1.29) draws against the mode(1.1) CDF
    /// 8.8, lognorm(0,1) against lognorm(0,1.05) 3.9, cosmap against uniform 14.2). D is invariant
    /// under monotone maps, so this checks cdf(map(u)) = u along the same Philox draws.
    @Test(arguments: densities)
    func drawsFollowTheAnalyticCDF(density: TimestepDensity) {
        let n = 100_000
        var rng = PhiloxRandom(seed: 20_240_305, stream: 1)
        let draws = (0..<n).map { _ in density.sample(using: &rng) }
        #expect(draws.allSatisfy { $0 > 0 && $0 < 1 })
        let sorted = draws.map(Double.init).sorted()
        var d = 0.0
        for (i, t) in sorted.enumerated() {
            let f = density.cdf(t)
            d = max(d, f - Double(i) / Double(n), Double(i + 1) / Double(n) - f)
        }
        #expect(d * Double(n).squareRoot() < 1.95, "\(density): sqrt(n)·D = \(d * Double(n).squareRoot())")
    }

    @Test(arguments: densities)
    func pdfIntegratesToOneAndIsTheCDFDerivative(density: TimestepDensity) {
        // Midpoint rule on 20 000 cells: the densities are smooth inside (0, 1) and bounded or
        // vanishing at the ends, so the quadrature error is far below the 1e-3 tolerance.
        let cells = 20_000
        let h = 1 / Double(cells)
        let integral = (0..<cells).reduce(0.0) { $0 + density.pdf((Double($1) + 0.5) * h) * h }
        #expect(abs(integral - 1) < 1e-3, "\(density): ∫pdf = \(integral)")
        // Central difference of the CDF, error O(δ²·F''') ≈ 1e-10 relative here.
        let delta = 1e-5
        for t in [0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99] {
            let numeric = (density.cdf(t + delta) - density.cdf(t - delta)) / (2 * delta)
            let analytic = density.pdf(t)
            #expect(abs(numeric - analytic) <= 1e-6 * max(1, analytic), "\(density) at t = \(t): \(numeric) vs \(analytic)")
        }
        #expect(density.cdf(0) == 0 && density.cdf(1) == 1)
        #expect(density.pdf(0) == 0 && density.pdf(1) == 0 && density.pdf(-1) == 0)
    }

    @Test func knownValues() {
        // Mode and CosMap are symmetric about t = 1/2: f(1/2) = 1/2 and 2/π·atan(1) = 1/2.
        for density: TimestepDensity in [.mode(scale: 1.29), .mode(scale: -1), .cosMap, .logitNormal(mean: 0, std: 3)] {
            #expect(abs(density.cdf(0.5) - 0.5) < 1e-15)
        }
        // The mode map: ends fixed, and for s = 1.29 at u = 1/4:
        // 1 − 1/4 − 1.29·(cos²(π/8) − 3/4) = 0.75 − 1.29·0.103553… = 0.616417…
        #expect(TimestepDensity.modeMap(uniform: 0, scale: 1.29) == 1)
        #expect(abs(TimestepDensity.modeMap(uniform: 1, scale: 1.29)) < 1e-15)
        #expect(abs(TimestepDensity.modeMap(uniform: 0.25, scale: 1.29) - 0.6164165) < 1e-6)
        // Paper's CosMap density 2/(π − 2πt + 2πt²); logit-normal(0,1) at 1/2 is φ(0)/(1/4).
        for t in [0.2, 0.5, 0.8] {
            let paper = 2 / (Double.pi - 2 * Double.pi * t + 2 * Double.pi * t * t)
            #expect(abs(TimestepDensity.cosMap.pdf(t) - paper) < 1e-12)
        }
        #expect(abs(TimestepDensity.logitNormal(mean: 0, std: 1).pdf(0.5) - 4 / (2 * Double.pi).squareRoot()) < 1e-12)
        // The paper's form 1 − 1/(tan(πu/2) + 1) agrees with the stable form used.
        for u in [0.1, 0.5, 0.9] {
            #expect(abs(TimestepDensity.cosMap(uniform: u) - (1 - 1 / (tan(Double.pi * u / 2) + 1))) < 1e-15)
        }
        #expect(TimestepDensity.mode(scale: 0).pdf(0.3) == 1)
    }

    @Test func modeMapIsMonotoneOnTheWholeValidRange() {
        let range = TimestepDensity.modeScaleRange
        for scale in [range.lowerBound, -0.5, 0, 1.29, range.upperBound] {
            var previous = 1.0
            for i in 1...1000 {
                let t = TimestepDensity.modeMap(uniform: Double(i) / 1000, scale: scale)
                #expect(t <= previous + 1e-15, "scale \(scale) at u = \(Double(i) / 1000)")
                previous = t
            }
        }
        // Just outside the range the map overshoots (is not monotone), which validate() rejects.
        #expect(TimestepDensity.modeMapDerivative(uniform: 0.5, scale: range.upperBound + 0.01) > 0)
        #expect(TimestepDensity.modeMapDerivative(uniform: 0, scale: -1.01) > 0)
    }

    @Test func samplesStayStrictlyInsideTheUnitInterval() {
        // Extreme draws whose exact maps round to 0 or 1 in Float32.
        var low = ScriptedSource(uniform: 0x1p-24, normal: -6.7)
        var high = ScriptedSource(uniform: 1 - 0x1p-24, normal: 6.7)
        for density: TimestepDensity in [.uniform, .logitNormal(mean: 0, std: 20), .mode(scale: -1), .cosMap] {
            for t in [density.sample(using: &low), density.sample(using: &high)] {
                #expect(t > 0 && t < 1, "\(density): \(t)")
            }
        }
        var rng = ScriptedSource(uniform: 0.25, normal: 0.5)
        #expect(TimestepDensity.uniform.sample(using: &rng) == 0.25)
        #expect(TimestepDensity.logitNormal(mean: 1, std: 2).sample(using: &rng) == Float(1 / (1 + exp(-2.0))))
    }

    @Test func parsesValidSpecifications() throws {
        let cases: [(String, TimestepDensity)] = [
            ("uniform", .uniform), (" Uniform ", .uniform), ("cosmap", .cosMap), ("CosMap", .cosMap),
            ("lognorm", .logitNormal(mean: 0, std: 1)), ("lognorm:0,1", .logitNormal(mean: 0, std: 1)),
            ("lognorm:1.00, 0.60", .logitNormal(mean: 1, std: 0.6)),
            ("lognorm:-0.5,2", .logitNormal(mean: -0.5, std: 2)), ("lognorm:1e-1,3", .logitNormal(mean: 0.1, std: 3)),
            ("mode", .mode(scale: 1.29)), ("mode:1.29", .mode(scale: 1.29)), ("mode:-1", .mode(scale: -1)),
            ("mode:0", .mode(scale: 0)),
        ]
        for (text, expected) in cases {
            #expect(try TimestepDensity(parsing: text) == expected, "\(text)")
        }
        #expect(TimestepDensity("mode:1.7") == .mode(scale: 1.7))
        #expect(TimestepDensity("bogus") == nil)
    }

    @Test func rejectsInvalidSpecificationsWithClearErrors() {
        let cases: [(String, TimestepDensityError)] = [
            ("", .unknownName("")),
            ("lognormal:0,1", .unknownName("lognormal")),
            ("uniform:1", .wrongParameterCount(name: "uniform", expected: "no parameters", got: 1)),
            ("cosmap:0.5", .wrongParameterCount(name: "cosmap", expected: "no parameters", got: 1)),
            ("lognorm:0", .wrongParameterCount(name: "lognorm", expected: "two parameters (mean,std) or none", got: 1)),
            ("lognorm:0,1,2", .wrongParameterCount(name: "lognorm", expected: "two parameters (mean,std) or none", got: 3)),
            ("mode:1,2", .wrongParameterCount(name: "mode", expected: "one parameter (scale) or none", got: 2)),
            ("lognorm:a,1", .malformedNumber("a", spec: "lognorm:a,1")),
            ("lognorm:0,", .malformedNumber("", spec: "lognorm:0,")),
            ("lognorm:0,inf", .malformedNumber("inf", spec: "lognorm:0,inf")),
            ("lognorm:nan,1", .malformedNumber("nan", spec: "lognorm:nan,1")),
            ("mode:", .malformedNumber("", spec: "mode:")),
            ("mode:1.2.3", .malformedNumber("1.2.3", spec: "mode:1.2.3")),
            ("lognorm:0,0", .invalidStd(0)),
            ("lognorm:0,-1", .invalidStd(-1)),
            ("mode:2", .modeScaleOutOfRange(2)),
            ("mode:-1.5", .modeScaleOutOfRange(-1.5)),
        ]
        for (text, expected) in cases {
            #expect(throws: expected, "\(text)") { try TimestepDensity(parsing: text) }
        }
        // Messages say what is wrong and what to write instead.
        #expect(TimestepDensityError.unknownName("foo").description.contains("lognorm:M,S"))
        #expect(TimestepDensityError.invalidStd(0).description.contains("greater than 0"))
        #expect(TimestepDensityError.modeScaleOutOfRange(2).description.contains("1.75"))
        #expect(throws: TimestepDensityError.invalidStd(.infinity)) {
            try TimestepDensity.logitNormal(mean: 0, std: .infinity).validate()
        }
    }

    /// A logit-normal density with mean ln s is the (0, std) one shifted by s: its median is the
    /// shifted median, and the sampler's shift that matches it is s.
    @Test func equivalentShiftOfALogitNormalDensityIsTheExponentOfItsMean() throws {
        let density = TimestepDensity.logitNormal(mean: log(3), std: 1)
        #expect(abs(density.equivalentShift - 3) < 1e-12)
        #expect(abs(density.cdf(SigmaSchedule.shifted(0.5, shift: 3)) - 0.5) < 1e-9)
        #expect(abs(density.cdf(SigmaSchedule.shifted(0.9, shift: 3)) - TimestepDensity.logitNormal(mean: 0, std: 1).cdf(0.9)) < 1e-9)
        #expect(TimestepDensity.uniform.equivalentShift == 1 && TimestepDensity.cosMap.equivalentShift == 1)
    }

    @Test func descriptionRoundTrips() throws {
        #expect(TimestepDensity.logitNormal(mean: 0, std: 1).description == "lognorm:0,1")
        #expect(TimestepDensity.logitNormal(mean: 1, std: 0.6).description == "lognorm:1,0.6")
        #expect(TimestepDensity.mode(scale: 1.29).description == "mode:1.29")
        #expect(TimestepDensity.uniform.description == "uniform")
        #expect(TimestepDensity.cosMap.description == "cosmap")
        let values: [TimestepDensity] = Self.densities + [
            .logitNormal(mean: 0.1 + 0.2, std: 1e-7), .logitNormal(mean: -123.456, std: 1e20),
            .mode(scale: TimestepDensity.modeScaleRange.upperBound), .mode(scale: -1),
        ]
        for value in values {
            #expect(try TimestepDensity(parsing: value.description) == value, "\(value)")
        }
    }
}
