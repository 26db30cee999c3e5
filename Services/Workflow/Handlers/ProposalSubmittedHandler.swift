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
        try await connection.query(
            """
            INSERT INTO review_history (case_id, actor_sub, actor_role, action, detail, event_id)
            VALUES (\(caseID), \(actor.sub), \(actor.role), \(action),
                    \("revision \(submitted.revision) submitted; screening by the \(submitted.region) secretariat"), \(envelope.metadata.id))
            """,
            logger: context.logger)
    }
}
