import Events
import Foundation

/// An approved project's budget, committed against its region's envelope for the decision's
/// year, with its payment schedule and every movement of money against it.
///
/// `disbursed` (the verified movements, recoveries negative) never exceeds `amount`; a
/// verified `final` tranche closes it and releases what was not paid to the envelope.
struct Commitment: Codable, Sendable, Equatable {
    enum Status: String, Codable, Sendable, CaseIterable {
        /// The envelope can't cover it yet (or there is none): nothing can be paid.
        case blocked
        /// Committed: payments are recorded and verified against it.
        case active
        /// The final tranche was verified; only recoveries remain possible.
        case closed

        var allowedActions: [CommitmentAction] {
            switch self {
            case .blocked: [.retry]
            case .active: [.recordPayment, .recordRecovery, .verify, .reject]
            case .closed: [.recordRecovery, .verify, .reject]
            }
        }
    }

    var id: UUID
    var project: FundedProject
    /// Which approval it carries out (a second approval of the same round changes nothing).
    var round: Int
    var revision: Int
    var year: Int
    var instrument: String
    var amount: Money
    var schedule: [PaymentTranche]
    var status: Status
    /// While blocked: by how much the envelope fell short when the approval arrived (a retry
    /// that still falls short answers with the current figure and changes nothing).
    var shortfall: Money?
    var summary: String?
    var durationMonths: Int?
    var approvedAt: Date
    var approvedBy: EventActor
    var committedAt: Date?
    var closedAt: Date?
    var updatedAt: Date
    /// Every payment and recovery, in the order recorded.
    var movements: [Movement]

    var envelopeKey: Envelope.Key { Envelope.Key(year: year, region: project.region, instrument: instrument) }

    /// Σ of the verified movements (recoveries negative).
    var disbursed: Money { Money(cents: movements.filter { $0.status == .verified }.reduce(0) { $0 + $1.amount.cents }) }
    /// What may still be paid: amount − disbursed (0.00 once closed).
    var remaining: Money { status == .closed ? .zero : Money(cents: amount.cents - disbursed.cents) }
    /// Σ of the pending requests' amounts (recoveries negative).
    var pending: Money { Money(cents: movements.filter { $0.status == .pending }.reduce(0) { $0 + $1.amount.cents }) }
    /// What this commitment takes from its envelope.
    var claim: Money { Self.claim(status: status, amount: amount, disbursed: disbursed) }

    /// What went back to the envelope: at closing, what was not paid (recoveries after closing
    /// included, since they lower what was paid); nothing before.
    var released: Money { status == .closed ? Money(cents: amount.cents - disbursed.cents) : .zero }

    /// What a commitment of `status` takes from its envelope: nothing while blocked, its
    /// amount while active, what it paid once closed (the rest was released).
    static func claim(status: Status, amount: Money, disbursed: Money) -> Money {
        switch status {
        case .blocked: .zero
        case .active: amount
        case .closed: disbursed
        }
    }

    /// The schedule's share for pre-financing (0.00 when it has none).
    var preFinancingShare: Money {
        Money(cents: schedule.filter { $0.tranche == .preFinancing }.reduce(0) { $0 + $1.amount.cents })
    }
}

/// What can be done to a commitment.
enum CommitmentAction: String, Codable, Sendable {
    case retry
    case recordPayment = "record_payment"
    case recordRecovery = "record_recovery"
    case verify
    case reject
}

/// One movement of money against a commitment: a payment of a tranche, or a recovery (money
/// returned, a negative amount), recorded by one finance user and verified or rejected by another.
struct Movement: Codable, Sendable, Equatable {
    enum Kind: String, Codable, Sendable, CaseIterable {
        case disbursement
        case recovery
    }

    enum Status: String, Codable, Sendable, CaseIterable {
        case pending
        case verified
        case rejected
    }

    var id: UUID
    /// 1, 2, … in the order recorded on the commitment.
    var sequence: Int
    var kind: Kind
    /// The tranche a disbursement pays; nil for a recovery.
    var tranche: PaymentTranche.Kind?
    /// Signed: positive for a disbursement, negative for a recovery.
    var amount: Money
    /// `YYYY-MM-DD`: when the money moved.
    var valueDate: String
    var bankReference: String
    var note: String?
    /// Why money came back (a recovery's reason).
    var reason: String?
    var status: Status
    var recordedBy: EventActor
    var recordedAt: Date
    /// Who verified or rejected it, and when.
    var decidedBy: EventActor?
    var decidedAt: Date?
    var rejectionReason: String?
}
