import Foundation

/// Filters of workflow's `GET /v1/reviews`; nil leaves a filter out.
public struct ReviewCaseFilter: Sendable, Equatable {
    public var stage: ReviewStage?
    public var region: String?
    /// A reviewer's subject, or `me` (only secretariats, finance and admins filter by another reviewer).
    public var assigned: String?
    public var overdue: Bool?

    public init(stage: ReviewStage? = nil, region: String? = nil, assigned: String? = nil, overdue: Bool? = nil) {
        self.stage = stage
        self.region = region
        self.assigned = assigned
        self.overdue = overdue
    }

    var query: [(String, String?)] {
        [("stage", stage?.rawValue), ("region", region), ("assigned", assigned), ("overdue", overdue.map { $0 ? "true" : "false" })]
    }
}

// Workflow (`:8082`): the secretariat screens and assigns, reviewers assess, the programme manager decides.
extension CoEClient {
    /// The call's checklist, rubric and minimum of assessments.
    public func reviewRules(as person: Person) async throws -> ReviewRules {
        let call = Call(.workflow, .GET, "/v1/review-rules")
        return try decode(ReviewRules.self, from: try await send(call, as: person, expecting: [200]), of: call)
    }

    /// The case of a proposal as `person` may see it; a 404 (none yet, or outside their view) throws.
    public func reviewCase(_ proposalID: UUID, as person: Person) async throws -> ReviewCase {
        try await caseChange(Call(.workflow, .GET, "/v1/reviews/\(proposalID.lowercased)"), as: person, expecting: [200])
    }

    /// The case, or nil while workflow answers 404: before `proposal.submitted` has reached it.
    public func reviewCaseIfVisible(_ proposalID: UUID, as person: Person) async throws -> ReviewCase? {
        let call = Call(.workflow, .GET, "/v1/reviews/\(proposalID.lowercased)")
        let reply = try await send(call, as: person, expecting: [200, 404])
        return reply.status == 404 ? nil : try decode(ReviewCase.self, from: reply, of: call)
    }

    /// The region's secretariat answers the checklist: 200 with the case in `technical` or `rejected`.
    public func screen(_ proposalID: UUID, _ screening: Screening, as secretariat: Person, key: String? = nil) async throws -> ReviewCase {
        try await caseChange(
            Call(.workflow, .POST, "/v1/reviews/\(proposalID.lowercased)/screening", body: try Self.encoded(screening), idempotencyKey: key),
            as: secretariat, expecting: [200])
    }

    /// The region's secretariat assigns `reviewer` (their name, e-mail and country from the
    /// directory): 201, or 200 when they already were (nothing changes twice).
    public func assignReviewer(_ proposalID: UUID, _ reviewer: Person, as secretariat: Person, key: String? = nil) async throws -> ReviewCase {
        struct Body: Encodable {
            var reviewer: String
            var name: String
            var email: String
            var country: String?
        }
        let body = Body(reviewer: reviewer.sub, name: reviewer.name, email: reviewer.email, country: reviewer.country)
        return try await caseChange(
            Call(.workflow, .POST, "/v1/reviews/\(proposalID.lowercased)/assignments", body: try Self.encoded(body), idempotencyKey: key),
            as: secretariat, expecting: [200, 201])
    }

    /// An assigned reviewer submits their assessment of the current round: 201.
    public func assess(_ proposalID: UUID, _ assessment: Assessment, as reviewer: Person, key: String? = nil) async throws -> ReviewCase {
        try await caseChange(
            Call(.workflow, .POST, "/v1/reviews/\(proposalID.lowercased)/assessments", body: try Self.encoded(assessment), idempotencyKey: key),
            as: reviewer, expecting: [201])
    }

    /// The programme manager (an admin) decides on the current round: 200.
    public func decide(_ proposalID: UUID, _ decision: Decision, as programmeManager: Person, key: String? = nil) async throws -> ReviewCase {
        try await caseChange(
            Call(.workflow, .POST, "/v1/reviews/\(proposalID.lowercased)/decision", body: try Self.encoded(decision), idempotencyKey: key),
            as: programmeManager, expecting: [200])
    }

    /// Every case `person` may see that passes `filter`, newest first, all pages (items carry no history).
    public func reviewCases(_ filter: ReviewCaseFilter = ReviewCaseFilter(), as person: Person) async throws -> [ReviewCase] {
        try await allPages(.workflow, "/v1/reviews", query: filter.query, of: ReviewCase.self, as: person)
    }

    /// How many cases `person` sees in each stage.
    public func reviewCaseCounts(as person: Person) async throws -> [ReviewStage: Int] {
        var counts: [ReviewStage: Int] = [:]
        for reviewCase in try await reviewCases(as: person) { counts[reviewCase.stage, default: 0] += 1 }
        return counts
    }

    private func caseChange(_ call: Call, as person: Person, expecting statuses: Set<Int>) async throws -> ReviewCase {
        try decode(ReviewCase.self, from: try await send(call, as: person, expecting: statuses), of: call)
    }
}
