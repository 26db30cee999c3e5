import Events
import Foundation
import Logging
import PostgresNIO

/// Review cases in the workflow schema.
struct ReviewCaseRepository: Sendable {
    let client: PostgresClient
    let logger: Logger

    func find(proposalID: UUID) async throws -> ReviewCase? {
        let rows = try await client.query(
            """
            SELECT id, proposal_id, reference, title, region, lead_country, participating_countries, requested_budget_cents,
                   revision, stage, opened_at, updated_at
            FROM review_cases WHERE proposal_id = \(proposalID)
            """,
            logger: logger)
        var found: ReviewCase?
        for try await (id, proposal, reference, title, region, lead, participating, cents, revision, stage, opened, updated)
            in rows.decode((UUID, UUID, String, String, String, String, [String], Int64, Int, String, Date, Date).self)
        {
            found = ReviewCase(
                id: id, proposalId: proposal, reference: reference, title: title, region: region, leadCountry: lead,
                participatingCountries: participating, requestedBudget: Money(cents: cents), revision: revision, stage: stage,
                openedAt: opened, updatedAt: updated, history: [])
        }
        guard var reviewCase = found else { return nil }
        let history = try await client.query(
            "SELECT at, actor_sub, actor_role, action, detail FROM review_history WHERE case_id = \(reviewCase.id) ORDER BY seq",
            logger: logger)
        for try await (at, sub, role, action, detail) in history.decode((Date, String, String, String, String).self) {
            reviewCase.history.append(.init(at: at, actor: EventActor(sub: sub, role: role), action: action, detail: detail))
        }
        return reviewCase
    }
}
