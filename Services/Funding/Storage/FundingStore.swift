import Events
import Foundation
import Logging
import Messaging
import PostgresNIO

/// Loads and locks what a change touches, always the envelope before the commitment (so two
/// changes never wait on each other in opposite orders), saves what the domain decided and
/// appends its events to the outbox, all in the caller's transaction.
///
/// Row locks in READ COMMITTED serialize every change of one envelope or commitment; the
/// schema's constraints refuse an overspent envelope or commitment should the code ever let one through.
struct FundingStore: Sendable {
    let envelopes: EnvelopeRepository
    let commitments: CommitmentRepository
    let logger: Logger

    init(logger: Logger) {
        self.envelopes = EnvelopeRepository(logger: logger)
        self.commitments = CommitmentRepository(logger: logger)
        self.logger = logger
    }

    /// A change of one commitment and, when it releases money, its envelope: `body` lets the
    /// domain decide on the locked commitment (nil when it does not exist) and returns the
    /// events with its result. `key` is the commitment's envelope when the caller knows it
    /// already (it never changes); otherwise it is read first.
    func change<Result>(
        commitment id: UUID, envelope key: Envelope.Key? = nil, cause: EventCause, on connection: PostgresConnection,
        _ body: (inout Commitment, inout Envelope?) async throws -> ([any EventPayload], Result)
    ) async throws -> Result? {
        var known = key
        if known == nil { known = try await commitments.envelopeKey(of: id, on: connection) }
        guard let key = known else { return nil }
        let envelopeBefore = try await envelopes.find(key, lock: true, on: connection)
        guard let before = try await commitments.find(id: id, lock: true, on: connection) else { return nil }
        var commitment = before
        var envelope = envelopeBefore
        let (events, result) = try await body(&commitment, &envelope)
        if let envelope, envelope != envelopeBefore { try await envelopes.save(envelope, on: connection) }
        if commitment != before { try await commitments.save(commitment, before: before, on: connection) }
        try await append(events, subject: commitment.project.proposalId, cause: cause, on: connection)
        return result
    }

    /// What `proposal.approved` causes: a commitment, active or blocked; nothing for a replay
    /// of the same approval; a refusal (parked) for an approval that contradicts the one kept.
    func open(
        _ approved: ProposalApproved, instrument: String, reference: ReferenceData, cause: EventCause, at time: Date, on connection: PostgresConnection
    ) async throws {
        // An approval funding can't commit is refused before anything is locked.
        try Commitment.check(approved, reference: reference)
        let key = Envelope.Key(year: UTC.year(of: approved.decision.decidedAt), region: approved.proposal.region, instrument: instrument)
        try await envelopes.lockKey(key, on: connection)
        let envelopeBefore = try await envelopes.find(key, lock: true, on: connection)
        if let existing = try await commitments.find(proposalID: approved.proposalId, lock: true, on: connection) {
            if try existing.isSame(approval: approved) {
                logger.info("approval already committed", metadata: ["proposal.id": "\(approved.proposalId.lowercased)", "commitment.id": "\(existing.id.lowercased)"])
                return
            }
        }
        var envelope = envelopeBefore
        let (commitment, events) = try Commitment.open(approved, instrument: instrument, reference: reference, envelope: &envelope, id: UUID(), at: time)
        try await commitments.insert(commitment, on: connection)
        if let envelope, envelope != envelopeBefore { try await envelopes.save(envelope, on: connection) }
        try await append(events, subject: commitment.project.proposalId, cause: cause, on: connection)
    }

    /// A new envelope, with the blocked commitments waiting for it committed in approval order
    /// as far as it covers them; `envelopeExists` (naming it) when the key has one.
    func create(
        _ key: Envelope.Key, amount: Money, reason: String, by actor: EventActor, cause: EventCause, at time: Date, on connection: PostgresConnection
    ) async throws -> (envelope: Envelope, adjustment: Envelope.Adjustment, unblocked: [UUID]) {
        var (envelope, adjustment) = try Envelope.create(key, amount: amount, reason: reason, id: UUID(), by: actor, at: time)
        try await envelopes.lockKey(key, on: connection)
        guard try await envelopes.insert(envelope, on: connection) else {
            let existing = try await envelopes.find(key, lock: false, on: connection)
            throw FundingError.envelopeExists(key, id: existing?.id)
        }
        // The new row is this transaction's alone until it commits: no lock needed.
        try await envelopes.append(adjustment, to: envelope.id, on: connection)
        let unblocked = try await unblock(&envelope, cause: cause, at: time, on: connection)
        try await envelopes.save(envelope, on: connection)
        try await append([envelope.changed(adjustment, unblocked: unblocked)], subject: envelope.id, cause: cause, on: connection)
        return (envelope, adjustment, unblocked)
    }

    /// An adjustment of `envelope`, which the caller locked (and authorized the change of). A
    /// raise commits blocked commitments as far as it covers them.
    func adjust(
        _ locked: Envelope, by delta: Money, reason: String, actor: EventActor, cause: EventCause, at time: Date, on connection: PostgresConnection
    ) async throws -> (envelope: Envelope, unblocked: [UUID]) {
        var envelope = locked
        let adjustment = try envelope.adjust(by: delta, reason: reason, by: actor, at: time)
        try await envelopes.append(adjustment, to: envelope.id, on: connection)
        let unblocked = delta > .zero ? try await unblock(&envelope, cause: cause, at: time, on: connection) : []
        try await envelopes.save(envelope, on: connection)
        try await append([envelope.changed(adjustment, unblocked: unblocked)], subject: envelope.id, cause: cause, on: connection)
        return (envelope, unblocked)
    }

    /// The report by year, region and instrument from one snapshot: the envelopes and the
    /// commitments' figures as of the same moment. Call it first in its transaction.
    func regionReport(
        year: Int?, region: String?, scope: FundingAccess.Scope, on connection: PostgresConnection
    ) async throws -> (rows: [FundingReport.RegionRow], totals: FundingReport.RegionRow) {
        try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
        let found = try await envelopes.list(year: year, region: scope.region ?? region, instrument: nil, on: connection)
        let lines = try await commitments.reportLines(year: year, region: region, country: nil, scope: scope, on: connection)
        return FundingReport.byRegion(envelopes: found.filter { region == nil || $0.region == region }, lines: lines)
    }

    /// Retries the envelope's blocked commitments, oldest approval first; those it covers are committed.
    private func unblock(_ envelope: inout Envelope, cause: EventCause, at time: Date, on connection: PostgresConnection) async throws -> [UUID] {
        var unblocked: [UUID] = []
        for before in try await commitments.blocked(on: envelope.key, on: connection) where before.amount <= envelope.available {
            var commitment = before
            var candidate: Envelope? = envelope
            do {
                let events = try commitment.retry(envelope: &candidate, at: time)
                try await commitments.save(commitment, before: before, on: connection)
                try await append(events, subject: commitment.project.proposalId, cause: cause, on: connection)
                if let candidate { envelope = candidate }
                unblocked.append(commitment.id)
            } catch FundingError.conflict {
                continue
            }
        }
        return unblocked
    }

    private func append(_ events: [any EventPayload], subject: UUID, cause: EventCause, on connection: PostgresConnection) async throws {
        for event in events {
            try await Outbox.append(event, source: .funding, subject: subject, cause: cause, on: connection, logger: logger)
        }
    }
}
