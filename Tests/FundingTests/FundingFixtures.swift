import Events
import Foundation
@testable import Funding

/// Approvals, envelopes and payments for funding's tests.
enum FundingFixtures {
    static let decidedAt = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18
    static let year = 2026
    static let pm = EventActor(sub: "pm-1", role: "admin")
    static let alice = EventActor(sub: "fin-alice", role: "finance")
    static let bob = EventActor(sub: "fin-bob", role: "finance")
    static let reference = try! ReferenceData.load()

    /// 1 000 000.00 approved: 40 % pre-financing, 30 % interim, 30 % final.
    static func approved(
        _ proposalID: UUID = UUID(), budget: Money = Money(cents: 100_000_000), region: String = "CA", lead: String = "KZ", round: Int = 1,
        schedule: [(PaymentTranche.Kind, Int)] = [(.preFinancing, 40), (.interim, 30), (.final, 30)], at time: Date = decidedAt
    ) -> ProposalApproved {
        return ProposalApproved(
            proposalId: proposalID, caseId: UUID(), revision: 1, round: round,
            proposal: DecidedProposal(
                reference: "CBRN-2026-\(String(proposalID.uuidString.prefix(4)))", title: "Border monitoring", region: region, leadCountry: lead,
                participatingCountries: ["UZ", "KG"], requestedBudget: budget, summary: "Detection at the borders of Central Asia.", durationMonths: 18),
            approvedBudget: budget, paymentSchedule: PaymentTranche.split(budget, shares: schedule) ?? [], weightedScore: "80.00", decision: DecisionRecord(decidedAt: time, decidedBy: pm))
    }

    static func envelope(_ amount: Money, region: String = "CA", year: Int = year) -> Envelope {
        try! Envelope.create(
            Envelope.Key(year: year, region: region, instrument: "IfS"), amount: amount, reason: "IfS allocation", id: UUID(), by: alice, at: decidedAt
        ).0
    }

    static func payment(_ tranche: PaymentTranche.Kind, _ cents: Int64, date: String = "2026-11-20") -> PaymentRequest {
        PaymentRequest(kind: .disbursement, tranche: tranche, amount: Money(cents: cents), valueDate: date, bankReference: "BANK-\(cents)", note: nil, reason: nil)
    }

    static func recovery(_ cents: Int64, date: String = "2026-11-25") -> PaymentRequest {
        PaymentRequest(
            kind: .recovery, tranche: nil, amount: Money(cents: cents), valueDate: date, bankReference: "RET-\(cents)", note: nil,
            reason: "Unspent training budget returned")
    }

    /// An active commitment of `approved` against a sufficient envelope, and that envelope.
    static func active(_ approved: ProposalApproved = approved()) -> (Commitment, Envelope) {
        var envelope: Envelope? = envelope(Money(cents: 500_000_000))
        let (commitment, _) = try! Commitment.open(approved, instrument: "IfS", reference: reference, envelope: &envelope, id: UUID(), at: decidedAt)
        return (commitment, envelope!)
    }
}
