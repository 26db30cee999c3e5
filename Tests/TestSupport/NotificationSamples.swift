import AMQP
import Events
import Foundation

/// One event of each type of the catalogue about one proposal, as its owner publishes it: what
/// notifications' tests feed the service.
public struct SampleEvent: Sendable {
    public let type: EventType
    public let id: UUID
    public let subject: String
    public let body: [UInt8]

    init<P: EventPayload>(_ data: P, subject: UUID, id: UUID = UUID()) {
        let envelope = EventEnvelope(
            metadata: EventMetadata(
                id: id, type: P.eventType.rawValue, version: P.version, occurredAt: Date(), source: P.eventType.owner.rawValue,
                subject: subject.lowercased, correlationId: nil, causationId: nil,
                actor: EventActor(sub: "sample-\(P.eventType.owner.rawValue)", role: "system"), traceparent: nil),
            data: data)
        self.type = P.eventType
        self.id = id
        self.subject = subject.lowercased
        self.body = try! EventCoding.encode(envelope)
    }

    /// Publishes it to an exchange as its owner's relay would.
    public func publish(to connection: AMQPConnection, exchange: String) async throws {
        try await connection.publish([
            AMQPMessage(
                exchange: exchange, routingKey: type.rawValue, body: body,
                properties: AMQPProperties(messageID: id.lowercased, type: type.rawValue, headers: ["x-coe-subject": .string(subject)]))
        ])
    }
}

/// A proposal of one region and lead country, and the events of its whole cycle.
public struct NotificationSamples: Sendable {
    public var proposalID = UUID()
    public var reference: String
    public var title = "Détection aux frontières"
    public var region: String
    public var lead: String
    public var reviewer: String
    public var budget = Money(cents: 125_000_000)

    public init(reference: String = "CBRN-2026-\(Int.random(in: 1000...9999))", region: String = "NAS", lead: String = "MA", reviewer: String = "rev-1") {
        self.reference = reference
        self.region = region
        self.lead = lead
        self.reviewer = reviewer
    }

    var decided: DecidedProposal {
        DecidedProposal(reference: reference, title: title, region: region, leadCountry: lead, participatingCountries: ["TN", "DZ"], requestedBudget: budget)
    }

    var project: FundedProject {
        FundedProject(proposalId: proposalID, caseId: caseID, reference: reference, title: title, region: region, leadCountry: lead, participatingCountries: ["TN", "DZ"])
    }

    var caseID: UUID { proposalID }
    static let record = DecisionRecord(decidedAt: Date(timeIntervalSince1970: 1_795_600_800), decidedBy: EventActor(sub: "pm-1", role: "admin"))
    var envelope: EnvelopeFigures {
        EnvelopeFigures(envelopeId: UUID(), year: 2026, region: region, instrument: "IfS", amount: Money(cents: 500_000_000), committed: budget, available: Money(cents: 375_000_000))
    }

    public var submitted: SampleEvent {
        SampleEvent(
            ProposalSubmitted(
                proposalId: proposalID, reference: reference, revision: 1, title: title, region: region, leadCountry: lead, participatingCountries: ["TN", "DZ"],
                cbrnCategories: ["chemical"], requestedBudget: budget, durationMonths: 24),
            subject: proposalID)
    }
    public var withdrawn: SampleEvent {
        SampleEvent(ProposalWithdrawn(proposalId: proposalID, reference: reference, revision: 1, region: region, leadCountry: lead, reason: "Merged with another proposal"), subject: proposalID)
    }
    public var screened: SampleEvent {
        SampleEvent(ReviewScreened(proposalId: proposalID, caseId: caseID, revision: 1, round: 1, proposal: decided, outcome: "eligible", reasons: []), subject: proposalID)
    }
    /// Screened ineligible: workflow also rejects it (proposal.rejected, stage screening).
    public var screenedIneligible: SampleEvent {
        SampleEvent(
            ReviewScreened(proposalId: proposalID, caseId: caseID, revision: 1, round: 1, proposal: decided, outcome: "ineligible", reasons: ["Not cross-border"]),
            subject: proposalID)
    }
    public var assigned: SampleEvent {
        SampleEvent(
            ReviewAssigned(
                proposalId: proposalID, caseId: caseID, reference: reference, title: title, region: region, revision: 1,
                reviewer: .init(sub: reviewer, name: "Reviewer", email: nil)),
            subject: proposalID)
    }
    public var unassigned: SampleEvent {
        SampleEvent(ReviewUnassigned(proposalId: proposalID, caseId: caseID, revision: 1, reviewer: reviewer, reason: "Conflict of interest declared"), subject: proposalID)
    }
    public func assessed(ready: Bool) -> SampleEvent {
        SampleEvent(
            ReviewAssessed(
                proposalId: proposalID, caseId: caseID, reference: reference, title: title, region: region, revision: 1, round: 1, reviewer: reviewer,
                weightedTotal: "78.50", recommendation: "fund", amended: false, assessments: ready ? 2 : 1, required: 2, readyForDecision: ready),
            subject: proposalID)
    }
    public var overdue: SampleEvent {
        SampleEvent(
            ReviewOverdue(
                proposalId: proposalID, caseId: caseID, reference: reference, title: title, region: region, revision: 1, round: 1, stage: "technical",
                dueAt: Date(timeIntervalSince1970: 1_795_600_800), daysAllowed: 21, waitingFor: [reviewer]),
            subject: proposalID)
    }
    public var revisionRequested: SampleEvent {
        SampleEvent(
            ProposalRevisionRequested(
                proposalId: proposalID, caseId: caseID, revision: 1, round: 1, proposal: decided, reasons: ["Clarify the training plan"], decision: Self.record),
            subject: proposalID)
    }
    public var approved: SampleEvent {
        SampleEvent(
            ProposalApproved(
                proposalId: proposalID, caseId: caseID, revision: 1, round: 1, proposal: decided, approvedBudget: budget,
                paymentSchedule: PaymentTranche.split(budget, shares: [(.preFinancing, 40), (.interim, 30), (.final, 30)]) ?? [], weightedScore: "78.50",
                decision: Self.record),
            subject: proposalID)
    }
    public var rejected: SampleEvent {
        SampleEvent(
            ProposalRejected(
                proposalId: proposalID, caseId: caseID, revision: 1, round: 1, proposal: decided, stage: "decision", reasons: ["Outside the call's priorities"],
                decision: Self.record),
            subject: proposalID)
    }
    public var committed: SampleEvent {
        SampleEvent(
            FundingCommitted(
                commitmentId: caseID, project: project, year: 2026, amount: budget,
                paymentSchedule: PaymentTranche.split(budget, shares: [(.preFinancing, 40), (.final, 60)]) ?? [], envelope: envelope, afterBlock: false),
            subject: proposalID)
    }
    public var blocked: SampleEvent {
        SampleEvent(
            FundingCommitmentBlocked(
                commitmentId: caseID, project: project, year: 2026, instrument: "IfS", amount: budget, available: Money(cents: 100_000_000),
                shortfall: Money(cents: 25_000_000), envelopeId: nil),
            subject: proposalID)
    }
    public var disbursed: SampleEvent {
        SampleEvent(
            FundingDisbursed(
                commitmentId: caseID, paymentId: UUID(), project: project, movement: "disbursement", tranche: .preFinancing, amount: Money(cents: 50_000_000),
                valueDate: "2026-11-20", bankReference: "BANK-1", recordedBy: EventActor(sub: "fin-alice", role: "finance"),
                verifiedBy: EventActor(sub: "fin-bob", role: "finance"), committed: budget, disbursed: Money(cents: 50_000_000), remaining: Money(cents: 75_000_000)),
            subject: proposalID)
    }
    public var closed: SampleEvent {
        SampleEvent(
            FundingClosed(commitmentId: caseID, project: project, committed: budget, disbursed: budget, released: .zero, envelope: envelope), subject: proposalID)
    }
    public var envelopeChanged: SampleEvent {
        SampleEvent(
            FundingEnvelopeChanged(change: "raised", delta: Money(cents: 100_000_000), reason: "Mid-year top-up", envelope: envelope, commitmentsUnblocked: []),
            subject: UUID())
    }

    /// One event of each of the fifteen types (the assessment the one that completes the round).
    public var all: [SampleEvent] {
        [
            submitted, withdrawn, screened, assigned, unassigned, assessed(ready: true), overdue, revisionRequested, approved, rejected, committed, blocked,
            disbursed, closed, envelopeChanged,
        ]
    }
}
