import Training

/// One training run of a study: its directory name, the group it is reported under (a density
/// or a depth; seeds of one group are averaged) and its full training options.
public struct StudyVariant: Sendable, Equatable {
    /// The run directory's name inside the study directory's `runs/`, e.g. `lognorm-0-1-seed1`.
    public var name: String
    /// The group label in tables and legends, e.g. `lognorm(0,1)` or `depth 4`.
    public var label: String
    public var options: TrainingOptions

    public init(name: String, label: String, options: TrainingOptions) {
        self.name = name
        self.label = label
        self.options = options
    }
}
