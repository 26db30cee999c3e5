import Events
import Foundation
import Testing

@testable import Workflow

/// Scores in whole hundredths: weighted totals exact, means rounded once half to even, "73.50" on the wire.
@Suite("Scores: exact weighted totals, means rounded half to even, two decimals on the wire")
struct ScoreTests {
    @Test("A weighted total is Σ weight × score / 100, exactly")
    func aWeightedTotalIsExact() {
        // 30×81 + 20×77 + 20×90 + 15×64 + 15×59 = 2430 + 1540 + 1800 + 960 + 885 = 7615 → 76.15;
        // plain average (81 + 77 + 90 + 64 + 59) / 5 = 371 / 5 = 74.20.
        let scores = zip(Fixture.rules.criteria, Fixture.anaScores).map {
            Assessment.CriterionScore(criterion: $0.0.key, weight: $0.0.weight, score: $0.1, comment: "")
        }
        #expect(Fixture.rules.criteria.map(\.weight) == [30, 20, 20, 15, 15])
        let totals = Assessment.totals(scores)
        #expect(totals.weighted == Score(hundredths: 7615))
        #expect(totals.average == Score(hundredths: 7420))
        #expect(totals.weighted.description == "76.15")
    }

    @Test("An assessment keeps its weighted total and plain average, and the event carries the total")
    func anAssessmentKeepsItsTotals() throws {
        var reviewCase = try Fixture.screenedCase()
        let change = try reviewCase.run {
            try $0.assess(Fixture.marks([100, 0, 1, 99, 33]), rules: Fixture.rules, by: Fixture.chen.caller, at: Fixture.day(2))
        }
        // 3000 + 0 + 20 + 1485 + 495 = 5000 → 50.00; plain 233 / 5 = 46.60.
        let assessment = try #require(reviewCase.currentRound.assessment(by: Fixture.chen.sub))
        #expect(assessment.weightedTotal == Score(hundredths: 5000) && assessment.averageScore == Score(hundredths: 4660))
        #expect(assessment.scores.map(\.weight) == [30, 20, 20, 15, 15] && assessment.scores.map(\.score) == [100, 0, 1, 99, 33])
        #expect((change.events.first as? ReviewAssessed)?.weightedTotal == "50.00")
    }

    @Test("Plain averages round half to even to the hundredth", arguments: [
        ([1, 1, 1, 1, 2], 120),  // 600 / 5 = 120 exactly
        ([1, 1, 0], 67),  // 200 / 3 = 66.67 → 67
        ([1, 0, 0, 0, 0, 0, 0, 0], 12),  // 100 / 8 = 12.5 → 12
        ([3, 0, 0, 0, 0, 0, 0, 0], 38),  // 300 / 8 = 37.5 → 38
    ])
    func plainAveragesRound(scores: [Int], hundredths: Int) {
        let criteria = scores.enumerated().map { Assessment.CriterionScore(criterion: "c\($0.offset)", weight: 20, score: $0.element, comment: "") }
        #expect(Assessment.totals(criteria).average == Score(hundredths: hundredths))
    }

    @Test("numerator / denominator hundredths, rounded half to even", arguments: [
        (5, 2, 2),  // 2.5 → 2
        (7, 2, 4),  // 3.5 → 4
        (3, 2, 2),  // 1.5 → 2
        (1, 2, 0),  // 0.5 → 0
        (9, 4, 2),  // 2.25 → 2
        (10, 4, 2),  // 2.5 → 2
        (11, 4, 3),  // 2.75 → 3
        (14, 4, 4),  // 3.5 → 4
        (0, 3, 0),
        (14_001, 2, 7_000),  // 7000.5 → 7000
        (14_003, 2, 7_002),  // 7001.5 → 7002
        (21_001, 3, 7_000),  // 7000.33 → 7000
        (21_002, 3, 7_001),  // 7000.67 → 7001
        (11_300, 3, 3_767),  // 3766.67 → 3767
    ])
    func roundingIsHalfToEven(numerator: Int, denominator: Int, hundredths: Int) {
        #expect(Score.rounded(numerator, over: denominator) == Score(hundredths: hundredths))
    }

    @Test("The mean of scores is rounded once; none for no scores")
    func theMeanIsRoundedOnce() {
        #expect(Score.mean([]) == nil)
        #expect(Score.mean([Score(hundredths: 7350)]) == Score(hundredths: 7350))
        #expect(Score.mean([Score(hundredths: 7350), Score(hundredths: 7351)]) == Score(hundredths: 7350))  // 7350.5 → 7350
        #expect(Score.mean([Score(hundredths: 7351), Score(hundredths: 7352)]) == Score(hundredths: 7352))  // 7351.5 → 7352
        #expect(Score.mean([Score(hundredths: 1), Score(hundredths: 1), Score(hundredths: 2)]) == Score(hundredths: 1))  // 4 / 3 = 1.33 → 1
        #expect(Score.mean([Score(hundredths: 1), Score(hundredths: 2), Score(hundredths: 2)]) == Score(hundredths: 2))  // 5 / 3 = 1.67 → 2
    }

    @Test("A score is written with exactly two decimals", arguments: [
        (7350, "73.50"), (7615, "76.15"), (5, "0.05"), (0, "0.00"), (10_000, "100.00"), (1_001, "10.01"),
    ])
    func aScoreIsWrittenWithTwoDecimals(hundredths: Int, text: String) throws {
        let score = Score(hundredths: hundredths)
        #expect(score.description == text)
        struct Box: Codable, Equatable { var score: Score }
        let json = try JSONEncoder().encode(Box(score: score))
        #expect(String(decoding: json, as: UTF8.self) == #"{"score":"\#(text)"}"#)
        #expect(try JSONDecoder().decode(Box.self, from: json) == Box(score: score))
    }

    @Test("A score that is not written like 73.50 is refused", arguments: ["73.5", "73", "73.500", "-1.00", "x.10", "", "73,50", ".50"])
    func aMalformedScoreIsRefused(text: String) {
        struct Box: Codable { var score: Score }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Box.self, from: Data(#"{"score":"\#(text)"}"#.utf8))
        }
    }

    @Test("Signs are not digits: a score with a sign anywhere is refused")
    func aSignedScoreIsRefused() {
        struct Box: Codable { var score: Score }
        for text in ["-0.50", "+1.00", "1.-5", "1.+5", "1.5", ".50", "1,50"] {
            #expect(throws: DecodingError.self, "\(text)") {
                try JSONDecoder().decode(Box.self, from: Data(#"{"score":"\#(text)"}"#.utf8))
            }
        }
    }

    @Test("A round's scores say how many assessments, the means, and the exact sum")
    func aRoundsScores() throws {
        let reviewCase = try Fixture.reviewCase(in: .decision)
        let scores = reviewCase.currentRound.scores
        #expect(scores.assessments == 2 && scores.weightedSum == 7615 + 7000)
        #expect(scores.weightedScore == Score(hundredths: 7308) && scores.averageScore == Score(hundredths: 7210))
        let none = Scores([])
        #expect(none.assessments == 0 && none.weightedScore == nil && none.averageScore == nil && none.weightedSum == 0)
        let json = String(decoding: try JSONEncoder().encode(scores), as: UTF8.self)
        #expect(json.contains(#""weightedScore":"73.08""#) && json.contains(#""averageScore":"72.10""#) && !json.contains("weightedSum"))
    }
}
