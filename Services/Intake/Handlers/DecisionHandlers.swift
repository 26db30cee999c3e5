import Events
import Foundation
import Logging
import Messaging
import PostgresNIO

/// Reflects Workflow's decisions in the proposal's status, through the same path as a request:
/// lock, let the domain decide, save. A decision the proposal contradicts (a revision never
/// submitted or no longer under review, an approved budget above the requested one) is
/// refused and parked, never applied. Redeliveries are dropped by the inbox before this runs.
struct DecisionHandlers: Sendable {
    let store: ProposalStore

    init(logger: Logger) {
        self.store = ProposalStore(repository: ProposalRepository(logger: logger), logger: logger)
    }

    var handlers: [EventHandler] {
        [
            EventHandler.on(ProposalRevisionRequested.self) { envelope, context in
                let data = envelope.data
                try await apply(envelope.metadata, to: data.proposalId, context: context) { proposal, actor, time in
                    try proposal.requestRevision(of: data.revision, reasons: data.reasons, by: actor, at: time)
                }
            },
            EventHandler.on(ProposalApproved.self) { envelope, context in
                let data = envelope.data
                try await apply(envelope.metadata, to: data.proposalId, context: context) { proposal, actor, time in
                    try proposal.approve(data.revision, budget: data.approvedBudget, by: actor, at: time)
                }
            },
            EventHandler.on(ProposalRejected.self) { envelope, context in
                let data = envelope.data
                try await apply(envelope.metadata, to: data.proposalId, context: context) { proposal, actor, time in
                    try proposal.reject(data.revision, reasons: data.reasons, by: actor, at: time)
                }
            },
        ]
    }

    private func apply(
        _ metadata: EventMetadata, to proposalID: UUID, context: EventContext,
        decide: @Sendable (inout Proposal, EventActor, Date) throws -> ProposalChange
    ) async throws {
        do {
            var proposal = try await store.lock(proposalID, on: context.connection)
            let change = try decide(&proposal, metadata.actor, metadata.occurredAt)
            _ = try await store.save(proposal, change, cause: .event(metadata), on: context.connection)
        } catch let error as ProposalError {
            // Intake's own state refuses it: retrying can't help; park it with the reason.
            throw MessagingError(.refused, "\(metadata.type) for proposal \(proposalID.lowercased): \(error)")
        }
    }
}
