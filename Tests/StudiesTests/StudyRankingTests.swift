import Testing
@testable import Studies

@Suite struct StudyRankingTests {
    @Test func ranksWithTiesSharingTheirPlaces() {
        #expect(StudyRanking.ranks([0.5, 0.3, 0.4], lowerIsBetter: true) == [3, 1, 2])
        #expect(StudyRanking.ranks([0.5, 0.3, 0.4], lowerIsBetter: false) == [1, 3, 2])
        // 0.2 and 0.2 span places 2 and 3: both 2.5.
        #expect(StudyRanking.ranks([0.1, 0.2, 0.2, 0.4], lowerIsBetter: true) == [1, 2.5, 2.5, 4])
    }

    /// A hand-computed table, four variants and three metrics:
    ///
    ///     variant  loss (↓)  eval@5 (↑)  eval@25 (↑)   ranks         average
    ///     A        0.40      0.50        0.70          2, 1.5, 1     1.5
    ///     B        0.38      0.50        0.60          1, 1.5, 2.5   5/3
    ///     C        0.45      0.20        0.60          4, 4, 2.5     3.5
    ///     D        0.42      0.30        0.10          3, 3, 4       10/3
    @Test func averageRanksMatchTheHandTable() {
        let table: [[Double]] = [[0.40, 0.50, 0.70], [0.38, 0.50, 0.60], [0.45, 0.20, 0.60], [0.42, 0.30, 0.10]]
        let average = StudyRanking.averageRanks(table, lowerIsBetter: [true, false, false])
        let expected = [1.5, 5.0 / 3, 3.5, 10.0 / 3]
        for (a, e) in zip(average, expected) { #expect(abs(a - e) < 1e-12) }
    }
}
