import Events
import Foundation

// Each event of the catalogue as notifications read it. One initializer per payload: what the
// event concerns, and the values its templates show (see Templates/<language>/<type>.mustache).

extension NotificationFacts {
    private init(_ metadata: EventMetadata, _ type: EventType, proposal: ProposalSummary?, linkPath: String? = nil, values: [String: Value]) {
        self.init(
            eventID: metadata.id, type: type, occurredAt: metadata.occurredAt, proposal: proposal,
            linkPath: linkPath ?? proposal.map { "proposals/\($0.id.lowercased)" } ?? "inbox", values: values)
    }

    private static func summary(_ id: UUID, _ proposal: DecidedProposal) -> ProposalSummary {
        ProposalSummary(id: id, reference: proposal.reference, title: proposal.title, region: proposal.region, leadCountry: proposal.leadCountry)
    }

    private static func summary(_ project: FundedProject) -> ProposalSummary {
        ProposalSummary(id: project.proposalId, reference: project.reference, title: project.title, region: project.region, leadCountry: project.leadCountry)
    }

    private static func commitmentLink(_ id: UUID) -> String { "funding/commitments/\(id.lowercased)" }

    init(_ event: EventEnvelope<ProposalSubmitted>) {
        let data = event.data
        self.init(
            event.metadata, .proposalSubmitted,
            proposal: .init(id: data.proposalId, reference: data.reference, title: data.title, region: data.region, leadCountry: data.leadCountry),
            values: [
                "budget": .money(data.requestedBudget), "durationMonths": data.durationMonths.map { .number($0) } ?? .text(""),
                "participatingCountryNames": .countries(data.participatingCountries), "resubmission": .flag(data.revision > 1),
                "revision": .number(data.revision),
            ])
    }

    init(_ event: EventEnvelope<ProposalWithdrawn>) {
        let data = event.data
        self.init(
            event.metadata, .proposalWithdrawn,
            proposal: .init(id: data.proposalId, reference: data.reference, title: nil, region: data.region, leadCountry: data.leadCountry),
            values: ["reason": .text(data.reason ?? ""), "revision": .number(data.revision)])
    }

    init(_ event: EventEnvelope<ReviewScreened>) {
        let data = event.data
        self.init(
            event.metadata, .reviewScreened, proposal: Self.summary(data.proposalId, data.proposal),
            values: [
                "eligible": .flag(data.outcome == "eligible"), "reasons": .list(data.reasons.map { .text($0) }),
                "revision": .number(data.revision), "round": .number(data.round),
            ])
    }

    init(_ event: EventEnvelope<ReviewAssigned>) {
        let data = event.data
        self.init(
            event.metadata, .reviewAssigned,
            proposal: .init(id: data.proposalId, reference: data.reference, title: data.title, region: data.region, leadCountry: nil),
            linkPath: "reviews/\(data.proposalId.lowercased)",
            values: ["reviewerName": .text(data.reviewer.name), "revision": .number(data.revision)])
        reviewer = data.reviewer.sub
    }

    init(_ event: EventEnvelope<ReviewUnassigned>) {
        let data = event.data
        self.init(
            event.metadata, .reviewUnassigned, proposal: .init(id: data.proposalId, reference: nil, title: nil, region: nil, leadCountry: nil),
            linkPath: "reviews/\(data.proposalId.lowercased)",
            values: ["reason": .text(data.reason), "revision": .number(data.revision)])
        reviewer = data.reviewer
    }

    init(_ event: EventEnvelope<ReviewAssessed>) {
        let data = event.data
        self.init(
            event.metadata, .reviewAssessed,
            proposal: .init(id: data.proposalId, reference: data.reference, title: data.title, region: data.region, leadCountry: nil),
            linkPath: "reviews/\(data.proposalId.lowercased)",
            values: [
                "weightedTotal": .decimal(data.weightedTotal), "recommendation": .word(data.recommendation),
                "assessments": .number(data.assessments), "required": .number(data.required),
                "readyForDecision": .flag(data.readyForDecision), "amended": .flag(data.amended),
                "revision": .number(data.revision), "round": .number(data.round),
            ])
        readyForDecision = data.readyForDecision
    }

    init(_ event: EventEnvelope<ReviewOverdue>) {
        let data = event.data
        self.init(
            event.metadata, .reviewOverdue,
            proposal: .init(id: data.proposalId, reference: data.reference, title: data.title, region: data.region, leadCountry: nil),
            linkPath: "reviews/\(data.proposalId.lowercased)",
            values: [
                "stageName": .word(data.stage), "dueAt": .day(data.dueAt), "daysAllowed": .number(data.daysAllowed),
                "revision": .number(data.revision), "round": .number(data.round),
            ])
        waitingFor = data.waitingFor
    }

    init(_ event: EventEnvelope<ProposalRevisionRequested>) {
        let data = event.data
        self.init(
            event.metadata, .proposalRevisionRequested, proposal: Self.summary(data.proposalId, data.proposal),
            values: ["reasons": .list(data.reasons.map { .text($0) }), "revision": .number(data.revision), "round": .number(data.round)])
    }

    init(_ event: EventEnvelope<ProposalApproved>) {
        let data = event.data
        let schedule = data.paymentSchedule.map { tranche -> Value in
            .record(["trancheName": .word(tranche.tranche.rawValue), "percent": .number(tranche.percent), "amount": .money(tranche.amount)])
        }
        self.init(
            event.metadata, .proposalApproved, proposal: Self.summary(data.proposalId, data.proposal),
            values: [
                "approvedBudget": .money(data.approvedBudget), "requestedBudget": .money(data.proposal.requestedBudget),
                "weightedScore": .decimal(data.weightedScore ?? ""), "schedule": .list(schedule),
                "revision": .number(data.revision), "round": .number(data.round),
            ])
    }

    init(_ event: EventEnvelope<ProposalRejected>) {
        let data = event.data
        self.init(
            event.metadata, .proposalRejected, proposal: Self.summary(data.proposalId, data.proposal),
            values: [
                "stageName": .word(data.stage), "reasons": .list(data.reasons.map { .text($0) }),
                "revision": .number(data.revision), "round": .number(data.round),
            ])
    }

    init(_ event: EventEnvelope<FundingCommitted>) {
        let data = event.data
        self.init(
            event.metadata, .fundingCommitted, proposal: Self.summary(data.project), linkPath: Self.commitmentLink(data.commitmentId),
            values: [
                "amount": .money(data.amount), "year": .text(String(data.year)), "afterBlock": .flag(data.afterBlock),
                "available": .money(data.envelope.available),
            ])
    }

    init(_ event: EventEnvelope<FundingCommitmentBlocked>) {
        let data = event.data
        self.init(
            event.metadata, .fundingCommitmentBlocked, proposal: Self.summary(data.project), linkPath: Self.commitmentLink(data.commitmentId),
            values: [
                "amount": .money(data.amount), "available": .money(data.available), "shortfall": .money(data.shortfall),
                "year": .text(String(data.year)), "instrument": .text(data.instrument),
            ])
    }

    init(_ event: EventEnvelope<FundingDisbursed>) {
        let data = event.data
        let recovery = data.movement == "recovery"
        self.init(
            event.metadata, .fundingDisbursed, proposal: Self.summary(data.project), linkPath: Self.commitmentLink(data.commitmentId),
            values: [
                "isRecovery": .flag(recovery), "trancheName": data.tranche.map { .word($0.rawValue) } ?? .text(""),
                "amount": .money(Money(cents: Int64(clamping: data.amount.cents.magnitude))), "valueDate": .isoDay(data.valueDate),
                "committed": .money(data.committed), "disbursed": .money(data.disbursed), "remaining": .money(data.remaining),
            ])
    }

    init(_ event: EventEnvelope<FundingClosed>) {
        let data = event.data
        self.init(
            event.metadata, .fundingClosed, proposal: Self.summary(data.project), linkPath: Self.commitmentLink(data.commitmentId),
            values: ["committed": .money(data.committed), "disbursed": .money(data.disbursed), "released": .money(data.released)])
    }

    init(_ event: EventEnvelope<FundingEnvelopeChanged>) {
        let data = event.data
        let envelope = data.envelope
        self.init(
            event.metadata, .fundingEnvelopeChanged, proposal: nil, linkPath: "funding/envelopes/\(envelope.envelopeId.lowercased)",
            values: [
                "created": .flag(data.change == "created"), "raised": .flag(data.change == "raised"), "lowered": .flag(data.change == "lowered"),
                "delta": .money(Money(cents: Int64(clamping: data.delta.cents.magnitude))), "reason": .text(data.reason),
                "envelopeAmount": .money(envelope.amount), "committed": .money(envelope.committed), "available": .money(envelope.available),
                "year": .text(String(envelope.year)), "instrument": .text(envelope.instrument),
                "unblockedCount": .number(data.commitmentsUnblocked.count),
            ])
        region = envelope.region
    }
}
