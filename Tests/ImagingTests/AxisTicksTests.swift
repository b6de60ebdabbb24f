import Testing
@testable import Imaging

@Suite struct AxisTicksTests {
    @Test func niceSteps() {
        #expect(AxisTicks.niceStep(span: 10, targetCount: 5) == 2)
        #expect(AxisTicks.niceStep(span: 1, targetCount: 6) == 0.2)
        #expect(AxisTicks.niceStep(span: 4000, targetCount: 6) == 1000)
        #expect(AxisTicks.niceStep(span: 0.03, targetCount: 6) == 0.005)
    }

    @Test func linearAxisWidensToWholeSteps() {
        let axis = AxisTicks.linear(low: 250, high: 5000)
        #expect(axis.domain == 0...5000)
        #expect(axis.ticks == [0, 1000, 2000, 3000, 4000, 5000])
        let small = AxisTicks.linear(low: 0.412, high: 0.437)
        #expect(small.ticks == [0.41, 0.415, 0.42, 0.425, 0.43, 0.435, 0.44])
        #expect(small.domain == 0.41...0.44)
        // One value: widened around it.
        let one = AxisTicks.linear(low: 2, high: 2)
        #expect(one.domain.contains(2) && one.domain.lowerBound < 2 && one.domain.upperBound > 2)
    }

    @Test func logarithmicAxisPicksDecadesOrDigits() {
        // Five decades: powers of ten only.
        let wide = AxisTicks.logarithmic(low: 1e10, high: 1e15)
        #expect(wide.ticks == [1e10, 1e11, 1e12, 1e13, 1e14, 1e15])
        // Just over one decade: 1, 2, 5 × 10^k.
        let mid = AxisTicks.logarithmic(low: 100, high: 2000)
        #expect(mid.ticks == [100, 200, 500, 1000, 2000])
        // Under a decade: every digit.
        let narrow = AxisTicks.logarithmic(low: 0.3, high: 0.9)
        #expect(narrow.ticks.count == 7 && narrow.ticks.first! > 0.29 && narrow.ticks.last! < 0.91)
        // A sliver of a decade (1.20 to 1.23): linear steps inside it.
        let sliver = AxisTicks.logarithmic(low: 1.2, high: 1.23)
        #expect(sliver.ticks.count >= 2)
        #expect(sliver.ticks.allSatisfy { sliver.domain.contains($0) })
    }

    @Test func labels() {
        #expect(AxisTicks.label(0) == "0")
        #expect(AxisTicks.label(0.3) == "0.3")
        #expect(AxisTicks.label(2500) == "2500")
        #expect(AxisTicks.label(2e14) == "2e14")
        #expect(AxisTicks.label(1.5e-5) == "1.5e-5")
        #expect(AxisTicks.label(-0.25) == "-0.25")
        #expect(AxisTicks.label(0.1 * 3) == "0.3")
    }
}
