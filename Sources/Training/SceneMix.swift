import FlowCore
import Foundation
import ShapesWorld

/// How often the training data draws each kind of Shapes scene (relative weights of one-object,
/// two-object and count scenes). Written `ONE,TWO,COUNT`, e.g. `0.5,0.25,0.25` (the default).
public struct SceneMix: Codable, Equatable, Sendable, CustomStringConvertible {
    public var oneObject: Double
    public var twoObjects: Double
    public var count: Double

    /// The Shapes world's default mix (`SceneGeneratorConfig`'s): half one-object scenes, a
    /// quarter each of the others.
    public static let standard: SceneMix = {
        let config = SceneGeneratorConfig()
        return SceneMix(oneObject: config.oneObjectWeight, twoObjects: config.twoObjectsWeight, count: config.countWeight)
    }()

    public init(oneObject: Double, twoObjects: Double, count: Double) {
        self.oneObject = oneObject
        self.twoObjects = twoObjects
        self.count = count
    }

    /// Parses `ONE,TWO,COUNT`; the error says what is wrong and gives an example.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 3, let one = parts[0], let two = parts[1], let count = parts[2] else {
            throw TrainingError.invalidOption("the scene mix must be three weights ONE,TWO,COUNT for one-object, two-object and count scenes, e.g. 0.5,0.25,0.25 (got '\(text)')")
        }
        self.init(oneObject: one, twoObjects: two, count: count)
        try validate()
    }

    /// Weights must be finite, non-negative and not all zero.
    public func validate() throws {
        let weights = [oneObject, twoObjects, count]
        let sum = weights.reduce(0, +)
        guard weights.allSatisfy({ $0.isFinite && $0 >= 0 }), sum > 0, sum.isFinite else {
            throw TrainingError.invalidOption("--scene-mix takes three weights ≥ 0, not all zero, e.g. 0.5,0.25,0.25 (got \(self))")
        }
    }

    /// `ONE,TWO,COUNT`, the form `--scene-mix` takes.
    public var description: String {
        [oneObject, twoObjects, count].map(SettingText.format).joined(separator: ",")
    }

    /// Applies the weights to a generator configuration.
    func apply(to config: inout SceneGeneratorConfig) {
        config.oneObjectWeight = oneObject
        config.twoObjectsWeight = twoObjects
        config.countWeight = count
    }
}
