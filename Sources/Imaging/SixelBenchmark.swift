/// Timing of the sixel encoder on the built-in test pattern (a benchmark, not a test).
public struct SixelBenchmark: Sendable, CustomStringConvertible {
    public var width: Int
    public var height: Int
    public var registers: Int
    public var iterations: Int
    /// Median time for one `encode` (quantise + dither + encode), in milliseconds.
    public var medianMilliseconds: Double
    /// Median time for the plain reference twin, in milliseconds (the baseline).
    public var referenceMilliseconds: Double
    /// Size of one encoded frame in bytes.
    public var bytes: Int

    public var description: String {
        let ratio = referenceMilliseconds / max(medianMilliseconds, 1e-9)
        return "sixel encode \(width)×\(height), \(registers) registers, \(iterations) runs: "
            + "\(fmt(medianMilliseconds)) ms/frame (reference \(fmt(referenceMilliseconds)) ms, \(fmt(ratio))× faster), "
            + "\(bytes) bytes"
    }

    private func fmt(_ v: Double) -> String {
        let scaled = (v * 100).rounded() / 100
        return "\(scaled)"
    }
}

extension SixelEncoder {
    /// Encodes the test pattern `iterations` times and reports the median time per frame,
    /// with the reference encoder timed in the same run as the baseline. Build in release
    /// mode (`-c release`) before trusting the numbers.
    public func benchmark(width: Int = 256, height: Int = 256, iterations: Int = 50) -> SixelBenchmark {
        let image = RGBImage.testPattern(width: width, height: height)
        let clock = ContinuousClock()
        func milliseconds(_ d: Duration) -> Double {
            Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
        }
        var bytes = 0
        var times: [Double] = []
        for _ in 0..<max(1, iterations) {
            let elapsed = clock.measure { bytes = encode(image).count }
            times.append(milliseconds(elapsed))
        }
        var referenceTimes: [Double] = []
        for _ in 0..<max(1, min(iterations, 5)) {
            referenceTimes.append(milliseconds(clock.measure { _ = encodeReference(image) }))
        }
        times.sort()
        referenceTimes.sort()
        return SixelBenchmark(width: width, height: height, registers: palette.count, iterations: times.count,
                              medianMilliseconds: times[times.count / 2],
                              referenceMilliseconds: referenceTimes[referenceTimes.count / 2], bytes: bytes)
    }
}
