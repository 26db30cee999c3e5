import Events
import Foundation

/// Decision events as workflow publishes them, for tests that play workflow's part.
public enum DecisionSamples {
    public static func proposal(reference: String = "CBRN-2026-0001", region: String = "CA", lead: String = "KZ", requested: Money = Money(cents: 125_000_000)) -> DecidedProposal {
        DecidedProposal(reference: reference, title: "Border monitoring", region: region, leadCountry: lead, participatingCountries: ["UZ", "KG"], requestedBudget: requested)
    }

    public static let record = DecisionRecord(decidedAt: Date(timeIntervalSince1970: 1_795_600_800), decidedBy: EventActor(sub: "admin-1", role: "admin"))

    public static func approved(_ id: UUID, revision: Int, budget: Money, reference: String = "CBRN-2026-0001") -> ProposalApproved {
        ProposalApproved(
            proposalId: id, caseId: UUID(), revision: revision, round: revision, proposal: proposal(reference: reference), approvedBudget: budget,
            paymentSchedule: PaymentTranche.split(budget, shares: [(.preFinancing, 40), (.final, 60)]) ?? [], weightedScore: "75.00", decision: record)
    }

    public static func rejected(_ id: UUID, revision: Int, reasons: [String]) -> ProposalRejected {
        ProposalRejected(proposalId: id, caseId: UUID(), revision: revision, round: revision, proposal: proposal(), stage: "decision", reasons: reasons, decision: record)
    }

    public static func revisionRequested(_ id: UUID, revision: Int, reasons: [String]) -> ProposalRevisionRequested {
        ProposalRevisionRequested(proposalId: id, caseId: UUID(), revision: revision, round: revision, proposal: proposal(), reasons: reasons, decision: record)
    }
}
