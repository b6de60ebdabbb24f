/// The two experiments of the SD3 paper that FlowStudio reproduces at small scale.
public enum StudyKind: String, CaseIterable, Sendable, Codable {
    /// Table 1: one model trained with each timestep density.
    case densities
    /// The scaling figure: the same recipe at depths 2, 3, 4, 6 (hidden 64·depth).
    case scaling
}
