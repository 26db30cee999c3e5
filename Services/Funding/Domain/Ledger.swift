import Events
import Foundation

/// A commitment's ledger: every movement in the order recorded, who recorded it, who
/// verified or rejected it, and the running balance: what was disbursed up to and including
/// it (only verified movements count) and what then remained of the commitment. A closed
/// commitment's last `remaining` is what its closing released (`released`); its own
/// `remaining` is then 0.00.
struct Ledger: Codable, Sendable, Equatable {
    struct Entry: Codable, Sendable, Equatable {
        var sequence: Int
        var paymentId: UUID
        var movement: Movement.Kind
        var tranche: PaymentTranche.Kind?
        var amount: Money
        var status: Movement.Status
        var valueDate: String
        var bankReference: String
        var note: String?
        var reason: String?
        var recordedBy: String
        var recordedAt: Date
        var decidedBy: String?
        var decidedAt: Date?
        var rejectionReason: String?
        var disbursedToDate: Money
        var remaining: Money
    }

    var commitmentId: UUID
    var proposalId: UUID
    var reference: String
    var status: Commitment.Status
    var committed: Money
    var disbursed: Money
    var remaining: Money
    var released: Money
    var entries: [Entry]

    init(_ commitment: Commitment) {
        commitmentId = commitment.id
        proposalId = commitment.project.proposalId
        reference = commitment.project.reference
        status = commitment.status
        committed = commitment.amount
        disbursed = commitment.disbursed
        remaining = commitment.remaining
        released = commitment.released
        var running: Int64 = 0
        entries = commitment.movements.sorted { $0.sequence < $1.sequence }.map { movement in
            if movement.status == .verified { running += movement.amount.cents }
            return Entry(
                sequence: movement.sequence, paymentId: movement.id, movement: movement.kind, tranche: movement.tranche, amount: movement.amount,
                status: movement.status, valueDate: movement.valueDate, bankReference: movement.bankReference, note: movement.note,
                reason: movement.reason, recordedBy: movement.recordedBy.sub, recordedAt: movement.recordedAt, decidedBy: movement.decidedBy?.sub,
                decidedAt: movement.decidedAt, rejectionReason: movement.rejectionReason, disbursedToDate: Money(cents: running),
                remaining: Money(cents: commitment.amount.cents - running))
        }
    }
}
