import Events
import Foundation

/// The cases awaiting a decision in order of merit, so a programme manager sees which fit the
/// region's envelope: highest mean weighted score first, compared exactly (as fractions, never
/// rounded), then the higher mean plain average, then the case that reached the decision first.
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
            let averageLeft = a.currentRound.assessments.reduce(0) { $0 + $1.averageScore.hundredths } * max(y.assessments, 1)
            let averageRight = b.currentRound.assessments.reduce(0) { $0 + $1.averageScore.hundredths } * max(x.assessments, 1)
            if averageLeft != averageRight { return averageLeft > averageRight }
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
}
