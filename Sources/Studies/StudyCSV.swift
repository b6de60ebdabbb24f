import Foundation

/// Reads and writes `StudyRow`s as CSV (RFC 4180 quoting: a field with a comma or a quote is
/// quoted, as `lognorm:0,1` is). Numbers are written so that they read back exactly.
public enum StudyCSV {
    public static let header = ["study", "variant", "label", "timesteps", "depth", "seed", "parameters", "metric",
                                "sampling_steps", "step", "training_flops", "value"]

    /// The rows as CSV text with the header line.
    public static func encode(_ rows: [StudyRow]) -> String {
        var text = header.joined(separator: ",") + "\n"
        for r in rows {
            let fields = [r.study.rawValue, r.variant, r.label, r.timesteps, "\(r.depth)", "\(r.seed)", "\(r.parameters)", r.metric,
                          r.samplingSteps.map { "\($0)" } ?? "", "\(r.step)", "\(r.trainingFLOPs)", "\(r.value)"]
            text += fields.map(quoted).joined(separator: ",") + "\n"
        }
        return text
    }

    /// Parses CSV text written by `encode`; the error names the line and what is wrong.
    public static func decode(_ text: String) throws -> [StudyRow] {
        var lines = text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline).map(String.init)
        guard let first = lines.first else { throw StudyError.badResults("the results file is empty (expected the header \(header.joined(separator: ",")))") }
        guard try fields(first, line: 1) == header else {
            throw StudyError.badResults("line 1 is not the results header (expected \(header.joined(separator: ",")))")
        }
        lines.removeFirst()
        return try lines.enumerated().map { n, line in
            let f = try fields(line, line: n + 2)
            func bad(_ what: String) -> StudyError { .badResults("line \(n + 2): \(what)") }
            guard f.count == header.count else { throw bad("\(f.count) fields, expected \(header.count)") }
            guard let study = StudyKind(rawValue: f[0]) else { throw bad("unknown study '\(f[0])'") }
            guard let depth = Int(f[4]), let seed = UInt64(f[5]), let parameters = Int(f[6]), let step = Int(f[9]),
                  let flops = Double(f[10]), let value = Double(f[11]) else { throw bad("a number field does not read as a number") }
            let sampling: Int?
            if f[8].isEmpty { sampling = nil } else {
                guard let s = Int(f[8]) else { throw bad("sampling_steps '\(f[8])' is not a whole number") }
                sampling = s
            }
            return StudyRow(study: study, variant: f[1], label: f[2], timesteps: f[3], depth: depth, seed: seed, parameters: parameters,
                            metric: f[7], samplingSteps: sampling, step: step, trainingFLOPs: flops, value: value)
        }
    }

    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The fields of one CSV line.
    static func fields(_ line: String, line number: Int) throws -> [String] {
        var out: [String] = [], current = "", inQuotes = false
        var chars = Array(line)[...]
        while let c = chars.popFirst() {
            if inQuotes {
                if c == "\"" {
                    if chars.first == "\"" { current.append("\""); chars.removeFirst() } else { inQuotes = false }
                } else { current.append(c) }
            } else if c == "\"" && current.isEmpty {
                inQuotes = true
            } else if c == "," {
                out.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        if inQuotes { throw StudyError.badResults("line \(number): a quoted field is not closed") }
        out.append(current)
        return out
    }
}
