import Events
import Foundation
import Messaging
import PostgresNIO

/// Closes the review case of a proposal its focal point withdrew: no more assignments,
/// assessments or decisions; the history says who withdrew it and why.
struct ProposalWithdrawnHandler: Sendable {
    var handler: EventHandler {
        EventHandler.on(ProposalWithdrawn.self) { envelope, context in
            try await handle(envelope, context: context)
        }
    }

    func handle(_ envelope: EventEnvelope<ProposalWithdrawn>, context: EventContext) async throws {
        let withdrawn = envelope.data
        let connection = context.connection
        let rows = try await connection.query(
            "SELECT id, stage FROM review_cases WHERE proposal_id = \(withdrawn.proposalId) FOR UPDATE",
            logger: context.logger)
        var found: (UUID, String)?
        for try await row in rows.decode((UUID, String).self) { found = row }
        guard let (caseID, stage) = found else {
            // Only submitted proposals are withdrawn with an event, and their submission comes first
            // on the same subject, unless it is waiting out a retry: then so does the withdrawal
            // (through the delay queues, and to the DLQ beside it if it never comes).
            throw CaseNotOpenYet(proposalID: withdrawn.proposalId)
        }
        guard stage != ReviewStage.closed.rawValue else { return }
        try await connection.query(
            "UPDATE review_cases SET stage = \(ReviewStage.closed.rawValue), updated_at = now() WHERE id = \(caseID)",
            logger: context.logger)
        try await ReviewCaseRepository(logger: context.logger).appendHistory(
            caseID: caseID, actor: envelope.metadata.actor, action: "withdrawn",
            detail: "revision \(withdrawn.revision) withdrawn by the focal point" + (withdrawn.reason.map { ": \($0)" } ?? ""),
            eventID: envelope.metadata.id, on: connection)
    }
}

struct CaseNotOpenYet: Error, CustomStringConvertible {
    let proposalID: UUID
    var description: String { "no review case for proposal \(proposalID) yet: its submission has not been handled" }
}
