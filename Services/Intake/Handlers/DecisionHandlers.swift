import Events
import Foundation
import Messaging
import PostgresNIO

/// Reflects Workflow's decisions in the proposal's status. Idempotent twice over: the inbox
/// drops redeliveries, and a decision about another revision or state changes nothing.
struct DecisionHandlers: Sendable {
    var handlers: [EventHandler] {
        [
            EventHandler.on(ProposalRevisionRequested.self) { envelope, context in
                let data = envelope.data
                try await apply(envelope.metadata, proposalID: data.proposalId, revision: data.revision, context: context) { proposal in
                    proposal.status = .revisionRequested
                    proposal.decisionReasons = data.reasons
                    return ("revision_requested", data.reasons.joined(separator: "; "))
                }
            },
            EventHandler.on(ProposalApproved.self) { envelope, context in
                let data = envelope.data
                let at = envelope.metadata.occurredAt
                try await apply(envelope.metadata, proposalID: data.proposalId, revision: data.revision, context: context) { proposal in
                    proposal.status = .approved
                    proposal.approvedBudget = data.approvedBudget
                    proposal.decidedAt = at
                    return ("approved", "approved budget \(data.approvedBudget) EUR")
                }
            },
            EventHandler.on(ProposalRejected.self) { envelope, context in
                let data = envelope.data
                let at = envelope.metadata.occurredAt
                try await apply(envelope.metadata, proposalID: data.proposalId, revision: data.revision, context: context) { proposal in
                    proposal.status = .rejected
                    proposal.decisionReasons = data.reasons
                    proposal.decidedAt = at
                    return ("rejected", data.reasons.joined(separator: "; "))
                }
            },
        ]
    }

    private func apply(
        _ metadata: EventMetadata, proposalID: UUID, revision: Int, context: EventContext,
        change: @Sendable (inout Proposal) -> (action: String, detail: String)
    ) async throws {
        let repository = ProposalRepository(logger: context.logger)
        guard var proposal = try await repository.lock(proposalID, on: context.connection) else {
            throw MessagingError(.invalidEvent, "\(metadata.type) for proposal \(proposalID) that intake does not have")
        }
        // Only a decision on the revision under review, while it is under review, counts.
        guard proposal.status == .submitted, proposal.revision == revision else {
            context.logger.info(
                "decision ignored",
                metadata: ["proposal.id": "\(proposalID)", "proposal.status": "\(proposal.status.rawValue)", "revision": "\(revision)"])
            return
        }
        let from = proposal.status
        let (action, detail) = change(&proposal)
        _ = try await repository.save(proposal, on: context.connection)
        try await repository.appendHistory(
            proposalID, actor: metadata.actor, action: action, from: from, to: proposal.status, detail: detail, on: context.connection)
    }
}
