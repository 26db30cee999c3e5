import Events
import Foundation

/// The cases awaiting a decision in order of merit, so a programme manager sees which fit the
/// region's envelope: highest mean weighted score first, compared exactly (as fractions, never
/// rounded), then the higher plain mean of every criterion score, then the case that reached the decision first.
struct Ranking: Sendable {
    struct Entry: Codable, Sendable, Equatable {
        var rank: Int
        var proposalId: UUID
        var reference: String
        var title: String
        var region: String
        var leadCountry: String
        var round: Int
        var requestedBudget: Money
        /// What this case and every case ranked above it request together.
        var cumulativeRequested: Money
        var scores: Scores
        /// How many assessments recommend each outcome.
        var recommendations: [String: Int]
        var awaitingDecisionSince: Date
    }

    var entries: [Entry]

    init(_ cases: [ReviewCase]) throws(MoneyOverflow) {
        let ordered = cases.sorted { a, b in
            let x = a.currentRound.scores
            let y = b.currentRound.scores
            // x.sum / x.n > y.sum / y.n  ⇔  x.sum · y.n > y.sum · x.n (counts are positive at the decision)
            let left = x.weightedSum * max(y.assessments, 1)
            let right = y.weightedSum * max(x.assessments, 1)
            if left != right { return left > right }
            // The plain mean over every criterion score of the round, exactly: Σ scores / number of scores.
            let (sumA, countA) = Self.plain(a.currentRound)
            let (sumB, countB) = Self.plain(b.currentRound)
            if sumA * max(countB, 1) != sumB * max(countA, 1) { return sumA * max(countB, 1) > sumB * max(countA, 1) }
            if a.stageEnteredAt != b.stageEnteredAt { return a.stageEnteredAt < b.stageEnteredAt }
            return a.reference < b.reference
        }
        var cumulative = Money.zero
        var entries: [Entry] = []
        for (index, reviewCase) in ordered.enumerated() {
            cumulative = try cumulative.adding(reviewCase.requestedBudget)
            let round = reviewCase.currentRound
            entries.append(Entry(
                rank: index + 1, proposalId: reviewCase.proposalId, reference: reviewCase.reference, title: reviewCase.title,
                region: reviewCase.region, leadCountry: reviewCase.leadCountry, round: round.number,
                requestedBudget: reviewCase.requestedBudget, cumulativeRequested: cumulative, scores: round.scores,
                recommendations: Dictionary(round.assessments.map { ($0.recommendation.rawValue, 1) }, uniquingKeysWith: +),
                awaitingDecisionSince: reviewCase.stageEnteredAt))
        }
        self.entries = entries
    }

    private static func plain(_ round: ReviewRound) -> (sum: Int, count: Int) {
        round.assessments.reduce((0, 0)) { total, assessment in
            (total.0 + assessment.scores.reduce(0) { $0 + $1.score }, total.1 + assessment.scores.count)
        }
    }
}
