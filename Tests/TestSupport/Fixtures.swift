import Foundation
import FlowCore

/// Locates committed reference fixtures (made by `Tests/Reference/make_fixtures.py`).
public enum ReferenceFixtures {
    /// `Tests/Reference/fixtures` of this checkout.
    public static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Reference/fixtures")

    public static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    public static func open(_ name: String) throws -> SafeTensorsFile {
        try SafeTensorsFile(contentsOf: url(name))
    }
}

/// The outcome of comparing a result with a reference tensor.
public struct Closeness: CustomStringConvertible {
    public let maxAbsDiff: Float
    public let maxAbsRef: Float
    public let tolerance: Float
    public let firstMismatches: [String]
    public var ok: Bool { maxAbsDiff <= tolerance && firstMismatches.isEmpty }

    public var description: String {
        "max|Δ| \(maxAbsDiff) (tolerance \(tolerance), max|ref| \(maxAbsRef))"
            + (firstMismatches.isEmpty ? "" : "; first mismatches: " + firstMismatches.joined(separator: ", "))
    }
}

/// Compares with the tolerance `relative · max(1, max|ref|)`, the scale the reference tests use:
/// float32 reorderings grow with the magnitude of the values.
public func compare(_ result: Tensor, _ reference: Tensor, relative: Float) -> Closeness {
    guard result.shape == reference.shape else {
        return Closeness(maxAbsDiff: .infinity, maxAbsRef: reference.maxAbs, tolerance: 0,
                         firstMismatches: ["shape \(result.shape) vs reference \(reference.shape)"])
    }
    let tolerance = relative * max(1, reference.maxAbs)
    var maxDiff: Float = 0
    var mismatches: [String] = []
    for i in 0..<result.count {
        let diff = abs(result.scalars[i] - reference.scalars[i])
        if !(diff <= tolerance) {  // also catches NaN
            if mismatches.count < 5 { mismatches.append("[\(i)] \(result.scalars[i]) vs \(reference.scalars[i])") }
        }
        maxDiff = max(maxDiff, diff.isNaN ? .infinity : diff)
    }
    return Closeness(maxAbsDiff: maxDiff, maxAbsRef: reference.maxAbs, tolerance: tolerance, firstMismatches: mismatches)
}
