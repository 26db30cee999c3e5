import Events
import Foundation

/// Where a commitment is: `blocked` until its envelope covers it, `active` while it is paid,
/// `closed` once its final tranche is verified.
public enum CommitmentStatus: String, Codable, Sendable, CaseIterable {
    case blocked
    case active
    case closed
}

/// Where a payment or recovery is: `pending` until another finance user verifies or rejects it.
public enum PaymentStatus: String, Codable, Sendable, CaseIterable {
    case pending
    case verified
    case rejected
}

/// A payment of a tranche, or a recovery (a negative amount), of a commitment.
public struct Payment: Codable, Sendable, Equatable {
    public var id: UUID
    /// 1, 2, … in the order recorded.
    public var sequence: Int
    /// `disbursement` or `recovery`.
    public var kind: String
    /// Nil for a recovery.
    public var tranche: PaymentTranche.Kind?
    public var amount: Money
    public var status: PaymentStatus
    /// `YYYY-MM-DD`.
    public var valueDate: String
    public var bankReference: String
    public var recordedBy: EventActor
    public var decidedBy: EventActor?
}

/// An approved project's commitment against its region's envelope, as funding answers it.
public struct Commitment: Codable, Sendable, Equatable {
    public var id: UUID
    public var proposalId: UUID
    public var reference: String
    public var title: String
    public var region: String
    public var leadCountry: String
    public var year: Int
    public var instrument: String
    public var status: CommitmentStatus
    /// The approved budget.
    public var amount: Money
    /// Verified payments − verified recoveries.
    public var disbursed: Money
    public var remaining: Money
    /// What is recorded and not decided yet.
    public var pending: Money
    /// What the final tranche left unpaid, back in the envelope.
    public var released: Money
    /// By how much the envelope falls short, while blocked.
    public var shortfall: Money?
    public var paymentSchedule: [PaymentTranche]
    public var payments: [Payment]
    /// What the caller may do now (finance: `record_payment`, `verify`, …).
    public var allowedActions: [String]

    /// The schedule's amount for `tranche`.
    public func scheduled(_ tranche: PaymentTranche.Kind) -> Money? { paymentSchedule.first { $0.tranche == tranche }?.amount }

    /// The payment of `tranche` that counts or may still count (pending or verified), if one is recorded.
    public func payment(of tranche: PaymentTranche.Kind) -> Payment? {
        payments.first { $0.tranche == tranche && $0.kind == "disbursement" && $0.status != .rejected }
    }
}

/// A payment recorded, pending: the commitment as it now is and where the payment lives.
public struct RecordedPayment: Sendable, Equatable {
    public var commitment: Commitment
    public var paymentID: UUID

    public var payment: Payment? { commitment.payments.first { $0.id == paymentID } }
}

/// A payment in funding's queue (`GET /v1/payments`): the movement, its project, and whether
/// the caller may verify or reject it (never their own).
public struct QueuedPayment: Codable, Sendable, Equatable {
    public var commitmentId: UUID
    public var proposalId: UUID
    public var reference: String
    public var region: String
    public var leadCountry: String
    public var payment: Payment
    public var mayDecide: Bool
    public var why: String?
}

/// What finance records: a disbursement of a tranche of the schedule, or a recovery with a reason.
public struct PaymentRequest: Encodable, Sendable, Equatable {
    public var kind: String
    public var tranche: PaymentTranche.Kind?
    public var amount: Money
    /// `YYYY-MM-DD`, when the money moved: not after today (UTC), not before the approval's day.
    public var valueDate: String
    public var bankReference: String
    public var note: String?
    public var reason: String?

    /// A disbursement of `tranche`.
    public static func disbursement(
        _ tranche: PaymentTranche.Kind, amount: Money, valueDate: String, bankReference: String, note: String? = nil
    ) -> PaymentRequest {
        PaymentRequest(kind: "disbursement", tranche: tranche, amount: amount, valueDate: valueDate, bankReference: bankReference, note: note)
    }

    /// Money coming back, with why (shown negative).
    public static func recovery(amount: Money, valueDate: String, bankReference: String, reason: String) -> PaymentRequest {
        PaymentRequest(kind: "recovery", amount: amount, valueDate: valueDate, bankReference: bankReference, reason: reason)
    }
}
