/// Why a study cannot go on; each says what to do.
public enum StudyError: Error, Equatable, CustomStringConvertible {
    case badResults(String)
    case otherRun(String)
    case noResults(String)

    public var description: String {
        switch self {
        case let .badResults(why): return "results.csv: \(why); rerun the study (without --redraw) to write it again"
        case let .otherRun(why): return why
        case let .noResults(path): return "no results to draw in \(path) (no results.csv); run the study first, without --redraw"
        }
    }
}
