import Events
import Foundation
import Logging
import Messaging
import PostgresNIO

/// The one writer of review cases: loads and locks, saves what the domain decided, records
/// its history and appends its events to the outbox, all in the caller's transaction.
struct ReviewCaseStore: Sendable {
    let repository: ReviewCaseRepository
    let logger: Logger

    init(logger: Logger) {
        self.repository = ReviewCaseRepository(logger: logger)
        self.logger = logger
    }

    /// The case of a proposal, locked for the rest of the transaction, or nil.
    func lock(proposalID: UUID, on connection: PostgresConnection) async throws -> ReviewCase? {
        try await repository.find(proposalID: proposalID, lock: .wait, history: false, on: connection)
    }

    /// The case, locked, or nil when it does not exist or another transaction holds it.
    func lockUnlessBusy(proposalID: UUID, on connection: PostgresConnection) async throws -> ReviewCase? {
        try await repository.find(proposalID: proposalID, lock: .skipLocked, history: false, on: connection)
    }

    func insert(_ reviewCase: ReviewCase, _ change: ReviewChange, cause: EventCause, on connection: PostgresConnection) async throws {
        try await repository.insert(reviewCase, on: connection)
        if let traceparent = cause.traceparent {
            try await connection.query(
                "INSERT INTO case_traces (proposal_id, traceparent) VALUES (\(reviewCase.proposalId), \(traceparent)) ON CONFLICT DO NOTHING",
                logger: logger)
        }
        try await record(change, of: reviewCase, cause: cause, on: connection)
    }

    /// Saves a change the domain made (nothing when it changed nothing).
    func save(_ reviewCase: ReviewCase, _ change: ReviewChange, cause: EventCause, on connection: PostgresConnection) async throws {
        guard !change.isEmpty else { return }
        try await repository.save(reviewCase, on: connection)
        try await record(change, of: reviewCase, cause: await continuingTheCase(cause, of: reviewCase, on: connection), on: connection)
    }

    /// A person's (or the reminder job's) change continues the trace of the submission that
    /// opened the case, as a new span: the proposal's events keep one trace id across the four
    /// services. Changes caused by an event keep that event's trace.
    private func continuingTheCase(_ cause: EventCause, of reviewCase: ReviewCase, on connection: PostgresConnection) async throws -> EventCause {
        guard cause.causationId == nil else { return cause }
        let rows = try await connection.query("SELECT traceparent FROM case_traces WHERE proposal_id = \(reviewCase.proposalId)", logger: logger)
        var cause = cause
        for try await origin in rows.decode(String.self) {
            cause.traceparent = Trace.child(of: origin) ?? cause.traceparent
        }
        return cause
    }

    private func record(_ change: ReviewChange, of reviewCase: ReviewCase, cause: EventCause, on connection: PostgresConnection) async throws {
        for entry in change.history {
            try await repository.appendHistory(caseID: reviewCase.id, entry, eventID: cause.causationId, on: connection)
        }
        for event in change.events {
            try await Outbox.append(event, source: .workflow, subject: reviewCase.proposalId, cause: cause, on: connection, logger: logger)
        }
    }
}
