/// A demo-model description whose values cannot describe a model that runs.
public struct DemoModelDescriptionError: Error, Equatable, CustomStringConvertible {
    /// What is wrong: the field, its value and what is allowed.
    public let problem: String

    public init(problem: String) { self.problem = problem }

    public var description: String { "invalid model description: \(problem)" }
}
