import Events
import Foundation
import Testing

@testable import Workflow

/// The cases awaiting a decision in order of merit: exact mean weighted score, then mean plain
/// average, then who reached the decision first; with what they request together.
@Suite("Ranking: exact mean weighted score first, then plain average, then the earlier decision stage; cumulative budgets exact")
struct RankingTests {
    /// A rubric whose weights have no common divisor, so weighted totals can differ by one hundredth:
    /// total = 98 × relevance + feasibility + value for money.
    static let rules: ReviewRules = {
        var rules = ReviewRules.standard
        rules.criteria = [("relevance", 98), ("feasibility", 1), ("value_for_money", 1)]
            .map { ReviewRules.Criterion(key: $0.0, label: ReviewRules.label($0.0), weight: $0.1) }
        return rules
    }()

    /// 98×70 + 70 + 70 = 7000 (70.00); plain average 70.00.
    static let even = [70, 70, 70]
    /// 98×71 + 21 + 22 = 7001 (70.01); plain average 114 / 3 = 38.00.
    static let oneMore = [71, 21, 22]
    /// 98×71 + 21 + 21 = 7000 (70.00); plain average 113 / 3 = 37.666…, 37.67.
    static let lopsided = [71, 21, 21]

    /// Five cases at the decision whose rounded mean weighted scores are all 70.00:
    /// - Z: 7000 and 7001, mean 7000.5 hundredths (rounded half to even: 70.00), plain 54.00, at the decision on day 9;
    /// - X: 7000, 7000, 7001, mean 7000.33…, plain 59.33…, day 8;
    /// - Y: 7000 three times, mean 7000, plain 70.00, day 7;
    /// - V: as Y, but an hour later (and an earlier reference);
    /// - W: 7000 three times by lopsided marks, mean 7000, plain 37.67, day 5 (the earliest, and the first reference).
    /// Merit orders them Z, X, Y, V, W; the plain average, the decision date or the reference alone would not.
    static func cases() throws -> (z: ReviewCase, x: ReviewCase, y: ReviewCase, v: ReviewCase, w: ReviewCase) {
        let z = try Fixture.caseAtDecision(
            1, reference: "CBRN-2026-0004", budget: Money(cents: 125_000_000), rules: rules, scores: [even, oneMore], decisionAt: Fixture.day(9))
        let x = try Fixture.caseAtDecision(
            2, reference: "CBRN-2026-0003", budget: Money(cents: 30_000_005), rules: rules, scores: [even, even, oneMore], decisionAt: Fixture.day(8),
            recommendation: .fundWithChanges)
        let y = try Fixture.caseAtDecision(
            3, reference: "CBRN-2026-0005", budget: Money(cents: 99_999_999), rules: rules, scores: [even, even, even], decisionAt: Fixture.day(7))
        let v = try Fixture.caseAtDecision(
            4, reference: "CBRN-2026-0002", budget: Money(cents: 1), rules: rules, scores: [even, even, even],
            decisionAt: Fixture.day(7).addingTimeInterval(3_600))
        let w = try Fixture.caseAtDecision(
            5, reference: "CBRN-2026-0001", budget: Money(cents: 45_000_050), rules: rules, scores: [lopsided, lopsided, lopsided],
            decisionAt: Fixture.day(5), recommendation: .doNotFund)
        return (z, x, y, v, w)
    }

    @Test("The ranking rubric is valid")
    func theRankingRubricIsValid() {
        #expect(Self.rules.problems.isEmpty)
    }

    @Test("The cases are at the decision and their rounded mean weighted scores tie at 70.00")
    func theRoundedMeansTie() throws {
        let (z, x, y, v, w) = try Self.cases()
        for reviewCase in [z, x, y, v, w] {
            #expect(reviewCase.stage == .decision)
            #expect(reviewCase.currentRound.scores.weightedScore == Score(hundredths: 7000), "\(reviewCase.reference)")
        }
        #expect([z, x, y, v, w].map(\.currentRound.scores.weightedSum) == [14001, 21001, 21000, 21000, 21000])
        #expect([z, x, y, v, w].map(\.currentRound.scores.assessments) == [2, 3, 3, 3, 3])
        #expect(z.currentRound.scores.averageScore == Score(hundredths: 5400))  // (7000 + 3800) / 2
        #expect(x.currentRound.scores.averageScore == Score(hundredths: 5933))  // 17800 / 3 = 5933.33…
        #expect(w.currentRound.scores.averageScore == Score(hundredths: 3767))
        #expect(y.stageEnteredAt == Fixture.day(7) && v.stageEnteredAt == Fixture.day(7).addingTimeInterval(3_600))
    }

    @Test("Order: exact mean weighted score, then plain average, then the earlier decision stage, whatever the input order", arguments: [
        [0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 4, 0, 3, 1], [3, 0, 4, 1, 2],
    ])
    func theOrderIsByMerit(order: [Int]) throws {
        let (z, x, y, v, w) = try Self.cases()
        let cases = [z, x, y, v, w]
        let ranking = try Ranking(order.map { cases[$0] })
        #expect(ranking.entries.map(\.reference) == [z, x, y, v, w].map(\.reference))
        #expect(ranking.entries.map(\.rank) == [1, 2, 3, 4, 5])
    }

    @Test("Each entry says what it and every case above it request together, exactly")
    func cumulativeRequestedIsARunningSum() throws {
        let (z, x, y, v, w) = try Self.cases()
        let ranking = try Ranking([w, v, y, x, z])
        #expect(ranking.entries.map(\.requestedBudget.description) == ["1250000.00", "300000.05", "999999.99", "0.01", "450000.50"])
        #expect(ranking.entries.map(\.cumulativeRequested.description) == ["1250000.00", "1550000.05", "2550000.04", "2550000.05", "3000000.55"])
        #expect(try ranking.entries.last?.cumulativeRequested == Money.sum([z, x, y, v, w].map(\.requestedBudget)))
    }

    @Test("An entry carries the round, its scores, the recommendations and since when it awaits the decision")
    func anEntryCarriesWhatTheProgrammeManagerNeeds() throws {
        let (z, x, y, v, w) = try Self.cases()
        let entries = try Ranking([z, x, y, v, w]).entries
        let first = try #require(entries.first)
        #expect(first.proposalId == z.proposalId && first.round == 1 && first.region == "CA" && first.leadCountry == "KZ")
        #expect(first.scores == z.currentRound.scores)
        #expect(first.awaitingDecisionSince == Fixture.day(9))
        #expect(first.recommendations == ["fund": 2])
        #expect(entries[1].recommendations == ["fund_with_changes": 3])
        #expect(entries[4].recommendations == ["do_not_fund": 3])
    }

    @Test("Requests beyond what money can count are refused, not wrapped")
    func anOverflowingSumIsRefused() throws {
        var a = try Fixture.caseAtDecision(
            6, reference: "CBRN-2026-0006", budget: Money(cents: .max), rules: Self.rules, scores: [Self.even, Self.even], decisionAt: Fixture.day(3))
        let b = try Fixture.caseAtDecision(
            7, reference: "CBRN-2026-0007", budget: Money(cents: 1), rules: Self.rules, scores: [Self.even, Self.even], decisionAt: Fixture.day(4))
        #expect(throws: MoneyOverflow.self) { try Ranking([a, b]) }
        a.requestedBudget = Money(cents: .max - 1)
        #expect(try Ranking([a, b]).entries.last?.cumulativeRequested == Money(cents: .max))
    }
}
