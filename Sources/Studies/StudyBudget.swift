/// How much compute a study spends: `quick` is a smoke test (seconds per run in a debug build,
/// run in CI), `full` the real experiment (hours in a release build).
public enum StudyBudget: String, CaseIterable, Sendable, Codable {
    case quick, full
}
