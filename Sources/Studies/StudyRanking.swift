/// Ranks as the SD3 paper's Table 1 does: each variant is ranked on each metric (1 = best; tied
/// variants share the mean of the places they span), and the ranks are averaged over metrics.
public enum StudyRanking {
    /// The rank of each value (1 = best); ties share the mean of their places (2 and 3 → 2.5 each).
    public static func ranks(_ values: [Double], lowerIsBetter: Bool) -> [Double] {
        let order = values.indices.sorted { lowerIsBetter ? values[$0] < values[$1] : values[$0] > values[$1] }
        var result = [Double](repeating: 0, count: values.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && values[order[j + 1]] == values[order[i]] { j += 1 }
            let shared = Double(i + j + 2) / 2
            for k in i...j { result[order[k]] = shared }
            i = j + 1
        }
        return result
    }

    /// The average rank of each variant over the metrics: `table[v][m]` is variant v's value of
    /// metric m, `lowerIsBetter[m]` says which way metric m points.
    public static func averageRanks(_ table: [[Double]], lowerIsBetter: [Bool]) -> [Double] {
        guard let first = table.first, !first.isEmpty else { return table.map { _ in 0 } }
        var sums = [Double](repeating: 0, count: table.count)
        for m in first.indices {
            let r = ranks(table.map { $0[m] }, lowerIsBetter: lowerIsBetter[m])
            for v in table.indices { sums[v] += r[v] }
        }
        return sums.map { $0 / Double(first.count) }
    }
}
