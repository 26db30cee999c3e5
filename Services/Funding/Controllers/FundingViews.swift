import Events
import Foundation
import Hummingbird
import ServiceRuntime

/// An envelope as the API shows it, with its adjustments when read alone.
struct EnvelopeView: ResponseEncodable, Sendable {
    var envelope: Envelope
    var adjustments: [Envelope.Adjustment]?
    /// After a change: the blocked commitments it let through.
    var commitmentsUnblocked: [UUID]?

    init(_ envelope: Envelope, adjustments: [Envelope.Adjustment]? = nil, unblocked: [UUID]? = nil) {
        self.envelope = envelope
        self.adjustments = adjustments
        commitmentsUnblocked = unblocked
    }

    private enum Extra: String, CodingKey { case available, adjustments, commitmentsUnblocked }

    /// The envelope's own fields, then what is derived from it or told with it.
    func encode(to encoder: any Encoder) throws {
        try envelope.encode(to: encoder)
        var container = encoder.container(keyedBy: Extra.self)
        try container.encode(envelope.available, forKey: .available)
        try container.encodeIfPresent(adjustments, forKey: .adjustments)
        try container.encodeIfPresent(commitmentsUnblocked, forKey: .commitmentsUnblocked)
    }
}

/// `GET /v1/envelopes`.
struct EnvelopePage: ResponseEncodable, Sendable {
    var items: [EnvelopeView]
}

/// A commitment as the API shows it: its figures, its schedule, its movements and what the caller may do.
struct CommitmentView: ResponseEncodable, Sendable {
    var id: UUID
    var proposalId: UUID
    var caseId: UUID
    var reference: String
    var title: String
    var region: String
    var leadCountry: String
    var participatingCountries: [String]
    var year: Int
    var instrument: String
    var status: Commitment.Status
    var amount: Money
    var disbursed: Money
    var remaining: Money
    var pending: Money
    var released: Money
    var shortfall: Money?
    var paymentSchedule: [PaymentTranche]
    var approvedAt: Date
    var committedAt: Date?
    var closedAt: Date?
    var updatedAt: Date
    var payments: [Movement]
    var allowedActions: [CommitmentAction]

    init(_ commitment: Commitment, access: FundingAccess) {
        id = commitment.id
        proposalId = commitment.project.proposalId
        caseId = commitment.project.caseId
        reference = commitment.project.reference
        title = commitment.project.title
        region = commitment.project.region
        leadCountry = commitment.project.leadCountry
        participatingCountries = commitment.project.participatingCountries
        year = commitment.year
        instrument = commitment.instrument
        status = commitment.status
        amount = commitment.amount
        disbursed = commitment.disbursed
        remaining = commitment.remaining
        pending = commitment.pending
        released = commitment.released
        shortfall = commitment.shortfall
        paymentSchedule = commitment.schedule
        approvedAt = commitment.approvedAt
        committedAt = commitment.committedAt
        closedAt = commitment.closedAt
        updatedAt = commitment.updatedAt
        payments = commitment.movements
        allowedActions = access.allowedActions(on: commitment)
    }
}

extension Ledger: ResponseEncodable {}
extension Movement: ResponseEncodable {}

/// `GET /v1/reports/regions`.
struct RegionReportPage: ResponseEncodable, Sendable {
    var rule: String
    var rows: [FundingReport.RegionRow]
    var totals: FundingReport.RegionRow
}

/// `GET /v1/reports/countries`.
struct CountryReportPage: ResponseEncodable, Sendable {
    var rule: String
    var rows: [FundingReport.CountryRow]
    var totals: FundingReport.CountryRow
}

/// A payment in a queue (`GET /v1/payments`): the movement, its project, and whether the
/// caller may verify or reject it now, with why not.
struct QueuedPaymentView: Encodable, Sendable {
    var commitmentId: UUID
    var proposalId: UUID
    var reference: String
    var title: String
    var region: String
    var leadCountry: String
    var payment: Movement
    var mayDecide: Bool
    var why: String?

    init(_ queued: CommitmentRepository.QueuedPayment, access: FundingAccess) {
        commitmentId = queued.commitmentId
        proposalId = queued.project.proposalId
        reference = queued.project.reference
        title = queued.project.title
        region = queued.project.region
        leadCountry = queued.project.leadCountry
        payment = queued.movement
        (mayDecide, why) = access.mayDecide(queued.movement)
    }
}
