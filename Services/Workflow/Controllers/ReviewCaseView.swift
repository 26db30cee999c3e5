import Foundation
import Hummingbird
import ServiceRuntime

/// A review case as one caller may see it (``ReviewAccess``), with what a queue needs beside
/// it: the current round's scores over the assessments the caller may see, whether the stage
/// is overdue, and what the caller may do now.
struct ReviewCaseView: ResponseEncodable, Sendable {
    var reviewCase: ReviewCase
    var scores: Scores
    var overdue: Bool
    var allowedActions: [ReviewAction]

    init(_ reviewCase: ReviewCase, access: ReviewAccess, at now: Date) {
        let visible = access.visible(reviewCase)
        self.reviewCase = visible
        scores = visible.currentRound.scores
        overdue = visible.dueAt.map { $0 <= now } ?? false
        allowedActions = access.allowedActions(on: reviewCase)
    }

    private enum Extra: String, CodingKey { case scores, overdue, allowedActions }

    func encode(to encoder: any Encoder) throws {
        try reviewCase.encode(to: encoder)
        var container = encoder.container(keyedBy: Extra.self)
        try container.encode(scores, forKey: .scores)
        try container.encode(overdue, forKey: .overdue)
        try container.encode(allowedActions, forKey: .allowedActions)
    }

}

/// `GET /v1/reviews/{proposalId}/history`.
struct ReviewHistoryPage: ResponseEncodable, Sendable {
    var items: [ReviewCase.HistoryEntry]
}

/// `GET /v1/rankings`.
struct RankingPage: ResponseEncodable, Sendable {
    var region: String?
    var year: Int?
    var items: [Ranking.Entry]
}

/// `GET /v1/review-rules`: the call's published rules.
struct ReviewRulesResponse: ResponseEncodable, Sendable {
    var checklist: [ReviewRules.ChecklistItem]
    var criteria: [ReviewRules.Criterion]
    var minimumAssessments: Int
    var preFinancingCapPercent: Int
    var stageDays: [String: Int]

    init(_ rules: ReviewRules) {
        checklist = rules.checklist
        criteria = rules.criteria
        minimumAssessments = rules.minimumAssessments
        preFinancingCapPercent = rules.preFinancingCapPercent
        stageDays = ["screening": rules.screeningDays, "technical": rules.technicalDays, "decision": rules.decisionDays]
    }
}
