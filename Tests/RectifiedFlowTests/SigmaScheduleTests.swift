import Foundation
import Testing
import FlowCore
@testable import RectifiedFlow

/// `Tests/Reference/fixtures/schedule.safetensors`, written by `Tests/Reference/make_fixtures.py`
/// from diffusers' own scheduler.
private let scheduleFixture = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Reference/fixtures/schedule.safetensors")

@Suite struct SigmaScheduleTests {
    @Test func sd3DefaultScheduleMatchesReference() throws {
        let schedule = try SigmaSchedule(steps: 28, shift: 3)
        #expect(schedule.sigmas.count == 29)
        #expect(schedule.timesteps.count == 28)
        // docs sd3-reference.md "Sampling", printed to 6 decimals (so 5e-7 rounding).
        let head: [Float] = [1.0, 0.987381, 0.974108]
        let tail: [Float] = [0.199827, 0.110906, 0.008929, 0]
        for (got, want) in zip(schedule.sigmas.prefix(3), head) { #expect(abs(got - want) <= 5e-7) }
        for (got, want) in zip(schedule.sigmas.suffix(4), tail) { #expect(abs(got - want) <= 5e-7) }
        // Bit-exact values from a numpy emulation of diffusers' dtypes (float32 __init__, float64
        // set_timesteps), itself bit-identical to diffusers 0.42.1 on all fixture schedules.
        #expect(schedule.sigmas[1] == 0x1.f989f4p-1)
        #expect(schedule.sigmas[2] == 0x1.f2be40p-1)
        #expect(schedule.sigmas[26] == 0x1.c64516p-4)
        #expect(schedule.sigmas[27] == 0x1.24924ap-7) // shift applied twice to 0.001
        #expect(schedule.timesteps[1] == 0x1.edb0b8p+9)
    }

    @Test func timestepsAreSigmasTimesThousand() throws {
        for (steps, shift) in [(1, 3.0), (7, 1.0), (28, 3.0), (50, 6.0)] {
            let schedule = try SigmaSchedule(steps: steps, shift: shift)
            #expect(schedule.timesteps == schedule.sigmas.dropLast().map { $0 * 1000 })
            #expect(schedule.sigmas.first == 1)
            #expect(schedule.sigmas.last == 0)
            // Strictly decreasing: every step moves toward the data.
            #expect(zip(schedule.sigmas, schedule.sigmas.dropFirst()).allSatisfy { $0 > $1 })
        }
    }

    @Test func edgeStepCounts() throws {
        // N = 1: numpy's linspace of one point is its start.
        #expect(try SigmaSchedule(steps: 1, shift: 3).sigmas == [1, 0])
        #expect(try SigmaSchedule(steps: 2, shift: 3).sigmas == [1, 0x1.24924ap-7, 0])
        // s = 1 is the identity: linear from 1 to 0.001.
        let linear = try SigmaSchedule(steps: 4, shift: 1).sigmas
        for (got, want) in zip(linear, [1, 0.667, 0.334, 0.001, 0] as [Float]) {
            #expect(abs(got - want) <= 1e-7)
        }
        #expect(try SigmaSchedule(steps: 1000, shift: 3).sigmas.count == 1001)
    }

    @Test func invalidRequestsThrowClearErrors() {
        for steps in [0, -3, 1001] {
            #expect(throws: SigmaScheduleError.stepsOutOfRange(steps)) { try SigmaSchedule(steps: steps, shift: 3) }
        }
        for shift in [0, -1, Double.infinity, -Double.infinity] {
            #expect(throws: SigmaScheduleError.invalidShift(shift)) { try SigmaSchedule(steps: 28, shift: shift) }
        }
        #expect(throws: SigmaScheduleError.self) { try SigmaSchedule(steps: 28, shift: .nan) }
        #expect(SigmaScheduleError.stepsOutOfRange(0).description.contains("between 1 and 1000"))
        #expect(SigmaScheduleError.invalidShift(-1).description.contains("greater than 0"))
    }

    @Test func shiftMultipliesOddsAndComposes() {
        #expect(SigmaSchedule.shifted(0.0, shift: 3) == 0)
        #expect(SigmaSchedule.shifted(1.0, shift: 3) == 1)
        #expect(SigmaSchedule.shifted(Float(1), shift: 3) == 1)
        #expect(SigmaSchedule.shifted(0.5, shift: 1) == 0.5)
        for sigma in [0.001, 0.1, 0.5, 0.9] {
            let odds = sigma / (1 - sigma)
            let s3 = SigmaSchedule.shifted(sigma, shift: 3)
            #expect(abs(s3 / (1 - s3) - 3 * odds) <= 1e-12 * max(1, 3 * odds))
            let twice = SigmaSchedule.shifted(SigmaSchedule.shifted(sigma, shift: 2), shift: 1.5)
            #expect(abs(twice - SigmaSchedule.shifted(sigma, shift: 3)) <= 1e-15)
        }
        // diffusers' σ_min: the training sigma 0.001 shifted once in Float32.
        // numpy: np.float32(3)*s/(np.float32(1)+np.float32(2)*s) with s = np.float32(1)/np.float32(1000)
        #expect(SigmaSchedule.shifted(Float(1) / 1000, shift: 3) == 0x1.886e60p-9) // 0.0029940121
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: scheduleFixture.path),
                   "needs Tests/Reference/fixtures/schedule.safetensors (make_fixtures.py)"))
    func matchesDiffusersFixtures() throws {
        let file = try SafeTensorsFile(contentsOf: scheduleFixture)
        let pairs: [(Int, Double)] = [(28, 3), (1, 3), (2, 3), (4, 1), (10, 3), (50, 6), (20, 1.5)]
        var compared = 0, differing = 0, largest: Float = 0
        for (steps, shift) in pairs {
            let schedule = try SigmaSchedule(steps: steps, shift: shift)
            let key = "\(steps)_\(shift)" // e.g. "28_3.0", as the Python script formats it
            let sigmas = try file.tensor("sigmas_\(key)")
            let timesteps = try file.tensor("timesteps_\(key)")
            #expect(sigmas.shape == [steps + 1])
            #expect(timesteps.shape == [steps])
            // Bit for bit: diffusers' float32 values, the same bits (so also no -0 / +0 slip).
            let sigmaMisses = zip(schedule.sigmas, sigmas.scalars).filter { $0.bitPattern != $1.bitPattern }
            let timestepMisses = zip(schedule.timesteps, timesteps.scalars).filter { $0.bitPattern != $1.bitPattern }
            let worst = (sigmaMisses + timestepMisses).map { abs($0 - $1) }.max() ?? 0
            #expect(sigmaMisses.isEmpty, "sigmas_\(key): \(sigmaMisses.count) values differ, e.g. \(sigmaMisses.prefix(3))")
            #expect(timestepMisses.isEmpty, "timesteps_\(key): \(timestepMisses.count) values differ, e.g. \(timestepMisses.prefix(3))")
            compared += schedule.sigmas.count + schedule.timesteps.count
            differing += sigmaMisses.count + timestepMisses.count
            largest = max(largest, worst)
        }
        print("sigma schedule vs FlowMatchEulerDiscreteScheduler: \(pairs.count) (steps, shift) pairs, "
              + "\(differing) of \(compared) float32 values differ (max|Δ| \(largest))")
    }
}
