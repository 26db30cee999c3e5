import Events
import Foundation

/// One reviewer's independent technical assessment of a round, against the rubric.
struct Assessment: Codable, Sendable, Equatable {
    enum Recommendation: String, Codable, Sendable, CaseIterable {
        case fund
        case fundWithChanges = "fund_with_changes"
        case doNotFund = "do_not_fund"
    }

    /// A criterion as scored, with the weight it had then (a round keeps its rubric).
    struct CriterionScore: Codable, Sendable, Equatable {
        var criterion: String
        var weight: Int
        var score: Int
        var comment: String
    }

    var reviewer: String
    var reviewerName: String
    var reviewerCountry: String
    var scores: [CriterionScore]
    /// Σ weight × score / 100, exact.
    var weightedTotal: Score
    /// The plain mean of the criteria's scores.
    var averageScore: Score
    var recommendation: Recommendation
    var comment: String?
    /// The reviewer declared, when submitting and at each amendment, that they have no conflict of interest.
    var noConflictDeclaredAt: Date
    var submittedAt: Date
    var amendedAt: Date?
    var amendments: Int

    /// Computes the totals of `scores` (already checked against the rubric).
    static func totals(_ scores: [CriterionScore]) -> (weighted: Score, average: Score) {
        let weighted = scores.reduce(0) { $0 + $1.weight * $1.score }
        let sum = scores.reduce(0) { $0 + $1.score }
        return (Score(hundredths: weighted), Score.rounded(sum * 100, over: max(scores.count, 1)))
    }
}

/// What a reviewer sends: a score 0–100 and a comment per criterion, a recommendation, and the
/// declaration that they have no conflict of interest.
struct AssessmentInput: Sendable, Equatable {
    struct Mark: Sendable, Equatable {
        var score: Int
        var comment: String
    }

    var marks: [String: Mark]
    var recommendation: Assessment.Recommendation
    var comment: String?
    var declaresNoConflictOfInterest: Bool
}
