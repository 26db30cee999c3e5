import Events
import Foundation

/// The cases awaiting a decision in order of merit, so a programme manager sees which fit the
/// region's envelope: highest mean weighted score first, compared exactly (as fractions, never
/// rounded), then the higher plain mean of every criterion score, then the case that reached the decision first.
struct Ranking: Sendable {
    struct Entry: Encodable, Sendable, Equatable {
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
        // Each case's keys once, then the order. Means are compared as fractions:
        // a.sum / a.n > b.sum / b.n  ⇔  a.sum · b.n > b.sum · a.n (counts are positive at the decision).
        let keyed = cases.map { (reviewCase: $0, scores: $0.currentRound.scores, plain: Self.plain($0.currentRound)) }
        let ordered = keyed.sorted { a, b in
            let (weightedA, weightedB) = (a.scores.weightedSum * max(b.scores.assessments, 1), b.scores.weightedSum * max(a.scores.assessments, 1))
            if weightedA != weightedB { return weightedA > weightedB }
            // The plain mean over every criterion score of the round, exactly: Σ scores / number of scores.
            let (plainA, plainB) = (a.plain.sum * max(b.plain.count, 1), b.plain.sum * max(a.plain.count, 1))
            if plainA != plainB { return plainA > plainB }
            if a.reviewCase.stageEnteredAt != b.reviewCase.stageEnteredAt { return a.reviewCase.stageEnteredAt < b.reviewCase.stageEnteredAt }
            return a.reviewCase.reference < b.reviewCase.reference
        }.map(\.reviewCase)
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
