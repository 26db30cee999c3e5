import Events
import Foundation
import Logging
import Messaging
import PostgresNIO
import ServiceRuntime

/// The one writer of proposals: loads and locks, saves what the domain decided, records its
/// history and appends its events to the outbox, all in the caller's transaction.
struct ProposalStore: Sendable {
    let repository: ProposalRepository
    let logger: Logger

    /// The proposal, locked for the rest of the transaction; `notFound` when there is none.
    func lock(_ id: UUID, on connection: PostgresConnection) async throws -> Proposal {
        guard let proposal = try await repository.lock(id, on: connection) else { throw ProposalError.notFound(id) }
        return proposal
    }

    /// Saves a proposal the domain created, with its history and events.
    func insert(_ proposal: Proposal, _ change: ProposalChange, cause: EventCause, on connection: PostgresConnection) async throws -> Proposal {
        let saved = try await repository.insert(proposal, on: connection)
        try await record(change, of: saved, cause: cause, on: connection)
        return saved
    }

    /// Saves a change the domain made (nothing when it changed nothing), with its history and events.
    func save(_ proposal: Proposal, _ change: ProposalChange, cause: EventCause, on connection: PostgresConnection) async throws -> Proposal {
        guard change.history != nil || !change.events.isEmpty else { return proposal }
        let saved = try await repository.save(proposal, on: connection)
        try await record(change, of: saved, cause: cause, on: connection)
        return saved
    }

    private func record(_ change: ProposalChange, of proposal: Proposal, cause: EventCause, on connection: PostgresConnection) async throws {
        if let history = change.history {
            try await repository.appendHistory(proposal.id, history, on: connection)
            if history.action == .submitted || history.action == .resubmitted {
                try await repository.saveRevision(proposal, by: history.actor.sub, on: connection)
            }
        }
        for event in change.events {
            try await Outbox.append(event, source: ServiceName.intake, subject: proposal.id, cause: cause, on: connection, logger: logger)
        }
    }
}
