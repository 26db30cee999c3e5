import Events
import Foundation
import Messaging
import PostgresNIO

/// Opens a review case for a submitted proposal, or reopens screening for a resubmitted revision.
struct ProposalSubmittedHandler: Sendable {
    var handler: EventHandler {
        EventHandler.on(ProposalSubmitted.self) { envelope, context in
            try await handle(envelope, context: context)
        }
    }

    func handle(_ envelope: EventEnvelope<ProposalSubmitted>, context: EventContext) async throws {
        let submitted = envelope.data
        let actor = envelope.metadata.actor
        let connection = context.connection
        let rows = try await connection.query(
            "SELECT id, revision FROM review_cases WHERE proposal_id = \(submitted.proposalId) FOR UPDATE",
            logger: context.logger)
        var existing: (UUID, Int)?
        for try await row in rows.decode((UUID, Int).self) { existing = row }

        let caseID: UUID
        let action: String
        switch existing {
        case nil:
            caseID = UUID()
            action = "opened"
            try await connection.query(
                """
                INSERT INTO review_cases (id, proposal_id, reference, title, region, lead_country, participating_countries,
                                          requested_budget_cents, revision, stage)
                VALUES (\(caseID), \(submitted.proposalId), \(submitted.reference), \(submitted.title), \(submitted.region),
                        \(submitted.leadCountry), \(submitted.participatingCountries), \(submitted.requestedBudget.cents),
                        \(submitted.revision), 'screening')
                """,
                logger: context.logger)
        case let (id, revision)? where submitted.revision > revision:
            caseID = id
            action = "resubmitted"
            try await connection.query(
                """
                UPDATE review_cases SET title = \(submitted.title), participating_countries = \(submitted.participatingCountries),
                       requested_budget_cents = \(submitted.requestedBudget.cents), revision = \(submitted.revision),
                       stage = 'screening', updated_at = now()
                WHERE id = \(id)
                """,
                logger: context.logger)
        case let (_, revision)?:
            // An older or equal revision arriving late changes nothing.
            context.logger.info(
                "stale submission ignored", metadata: ["revision": "\(submitted.revision)", "case.revision": "\(revision)"])
            return
        }
        let repository = ReviewCaseRepository(logger: context.logger)
        try await repository.appendHistory(
            caseID: caseID, actor: actor, action: action,
            detail: "revision \(submitted.revision) submitted; screening by the \(submitted.region) secretariat",
            eventID: envelope.metadata.id, on: connection)
        guard action == "resubmitted" else { return }
        // A revision may bring in a reviewer's own country: a reviewer never assesses a proposal
        // whose lead or participating countries include theirs.
        let involved = Array(Set(submitted.participatingCountries + [submitted.leadCountry])).sorted()
        let conflicted = try await connection.query(
            """
            DELETE FROM review_assignments WHERE case_id = \(caseID) AND reviewer_country = ANY(\(involved))
            RETURNING reviewer_sub, reviewer_name, reviewer_country
            """,
            logger: context.logger)
        var removed: [(String, String, String)] = []
        for try await row in conflicted.decode((String, String, String).self) { removed.append(row) }
        for (sub, name, country) in removed.sorted(by: { $0.0 < $1.0 }) {
            try await repository.appendHistory(
                caseID: caseID, actor: .system("workflow"), action: "reviewer_unassigned",
                detail: "\(name) (\(sub)) unassigned: conflict of interest, revision \(submitted.revision) involves \(country)",
                eventID: envelope.metadata.id, on: connection)
        }
    }
}
