import Foundation

// The events funding owns: envelopes, commitments and the money paid against them. Every
// amount is a decimal string of euros; every event about a project says enough of it
// (reference, title, region, lead country) for notifications to need nothing else.

/// An envelope's figures after a change: the allocation, what is committed against it, what is left.
public struct EnvelopeFigures: Codable, Sendable, Equatable {
    public var envelopeId: UUID
    public var year: Int
    public var region: String
    public var instrument: String
    public var amount: Money
    public var committed: Money
    public var available: Money

    public init(envelopeId: UUID, year: Int, region: String, instrument: String, amount: Money, committed: Money, available: Money) {
        self.envelopeId = envelopeId
        self.year = year
        self.region = region
        self.instrument = instrument
        self.amount = amount
        self.committed = committed
        self.available = available
    }
}

/// The project a funding event is about.
public struct FundedProject: Codable, Sendable, Equatable {
    public var proposalId: UUID
    public var caseId: UUID
    public var reference: String
    public var title: String
    public var region: String
    public var leadCountry: String
    public var participatingCountries: [String]

    public init(proposalId: UUID, caseId: UUID, reference: String, title: String, region: String, leadCountry: String, participatingCountries: [String]) {
        self.proposalId = proposalId
        self.caseId = caseId
        self.reference = reference
        self.title = title
        self.region = region
        self.leadCountry = leadCountry
        self.participatingCountries = participatingCountries
    }
}

/// `funding.committed` v1: an approved project's budget is committed against its envelope.
public struct FundingCommitted: EventPayload, Equatable {
    public static let eventType = EventType.fundingCommitted
    public static let version = 1

    public var commitmentId: UUID
    public var project: FundedProject
    public var year: Int
    public var amount: Money
    public var paymentSchedule: [PaymentTranche]
    /// The envelope after the commitment.
    public var envelope: EnvelopeFigures
    /// Whether it was blocked first and committed on a retry.
    public var afterBlock: Bool

    public init(commitmentId: UUID, project: FundedProject, year: Int, amount: Money, paymentSchedule: [PaymentTranche], envelope: EnvelopeFigures, afterBlock: Bool) {
        self.commitmentId = commitmentId
        self.project = project
        self.year = year
        self.amount = amount
        self.paymentSchedule = paymentSchedule
        self.envelope = envelope
        self.afterBlock = afterBlock
    }
}

/// `funding.commitment_blocked` v1: the envelope can't cover an approved budget (or there is
/// none for the region and year); `shortfall` is by how much. Finance raises the envelope.
public struct FundingCommitmentBlocked: EventPayload, Equatable {
    public static let eventType = EventType.fundingCommitmentBlocked
    public static let version = 1

    public var commitmentId: UUID
    public var project: FundedProject
    public var year: Int
    public var instrument: String
    public var amount: Money
    /// What the envelope had left (0.00 when there is no envelope).
    public var available: Money
    public var shortfall: Money
    /// Nil when the region has no envelope for the year.
    public var envelopeId: UUID?

    public init(commitmentId: UUID, project: FundedProject, year: Int, instrument: String, amount: Money, available: Money, shortfall: Money, envelopeId: UUID?) {
        self.commitmentId = commitmentId
        self.project = project
        self.year = year
        self.instrument = instrument
        self.amount = amount
        self.available = available
        self.shortfall = shortfall
        self.envelopeId = envelopeId
    }
}

/// `funding.disbursed` v1: a payment (or, with `movement` `recovery` and a negative amount,
/// money returned) was verified by a second finance user and now counts.
public struct FundingDisbursed: EventPayload, Equatable {
    public static let eventType = EventType.fundingDisbursed
    public static let version = 1

    public var commitmentId: UUID
    public var paymentId: UUID
    public var project: FundedProject
    /// `disbursement` or `recovery`.
    public var movement: String
    /// The schedule's tranche a disbursement pays; nil for a recovery.
    public var tranche: PaymentTranche.Kind?
    /// Signed: negative for a recovery.
    public var amount: Money
    /// `YYYY-MM-DD`.
    public var valueDate: String
    public var bankReference: String
    public var recordedBy: EventActor
    public var verifiedBy: EventActor
    /// The commitment's figures after it.
    public var committed: Money
    public var disbursed: Money
    public var remaining: Money

    public init(
        commitmentId: UUID, paymentId: UUID, project: FundedProject, movement: String, tranche: PaymentTranche.Kind?, amount: Money,
        valueDate: String, bankReference: String, recordedBy: EventActor, verifiedBy: EventActor, committed: Money, disbursed: Money, remaining: Money
    ) {
        self.commitmentId = commitmentId
        self.paymentId = paymentId
        self.project = project
        self.movement = movement
        self.tranche = tranche
        self.amount = amount
        self.valueDate = valueDate
        self.bankReference = bankReference
        self.recordedBy = recordedBy
        self.verifiedBy = verifiedBy
        self.committed = committed
        self.disbursed = disbursed
        self.remaining = remaining
    }
}

/// `funding.closed` v1: the final tranche was verified; what was not paid went back to the envelope.
public struct FundingClosed: EventPayload, Equatable {
    public static let eventType = EventType.fundingClosed
    public static let version = 1

    public var commitmentId: UUID
    public var project: FundedProject
    public var committed: Money
    public var disbursed: Money
    public var released: Money
    /// The envelope after the release (nil only if it has gone, which the schema prevents).
    public var envelope: EnvelopeFigures?

    public init(commitmentId: UUID, project: FundedProject, committed: Money, disbursed: Money, released: Money, envelope: EnvelopeFigures?) {
        self.commitmentId = commitmentId
        self.project = project
        self.committed = committed
        self.disbursed = disbursed
        self.released = released
        self.envelope = envelope
    }
}

/// `funding.envelope_changed` v1: finance created, raised or lowered an envelope, with a reason.
public struct FundingEnvelopeChanged: EventPayload, Equatable {
    public static let eventType = EventType.fundingEnvelopeChanged
    public static let version = 1

    /// `created`, `raised` or `lowered`.
    public var change: String
    /// Signed: the allocation's change.
    public var delta: Money
    public var reason: String
    public var envelope: EnvelopeFigures
    /// Blocked commitments the change let through (committed in the same transaction).
    public var commitmentsUnblocked: [UUID]

    public init(change: String, delta: Money, reason: String, envelope: EnvelopeFigures, commitmentsUnblocked: [UUID]) {
        self.change = change
        self.delta = delta
        self.reason = reason
        self.envelope = envelope
        self.commitmentsUnblocked = commitmentsUnblocked
    }
}
