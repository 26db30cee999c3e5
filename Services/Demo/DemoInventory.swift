import Cycle
import Foundation

/// What the stack holds, read through the four APIs as the programme manager (who sees every
/// proposal and case) and a finance officer (every commitment and payment): how far each
/// scenario of the plan got, and the figures of the summary.
struct DemoInventory: Sendable {
    /// How far a scenario's proposal got.
    enum Progress: Sendable, Equatable {
        /// No proposal of it yet.
        case notStarted
        /// On its way: a step of its journey is still to take.
        case incomplete
        case complete
        /// Someone took it elsewhere (withdrew, decided it otherwise): left as it is.
        case divergent(String)

        var isSettled: Bool {
            switch self {
            case .complete, .divergent: true
            case .notStarted, .incomplete: false
            }
        }
    }

    var proposals: [Proposal]
    /// By proposal id.
    var cases: [UUID: ReviewCase]
    /// By proposal id.
    var commitments: [UUID: Commitment]
    var envelopes: [Envelope]
    var recipients: [Recipient]
    var payments: [QueuedPayment]

    static func read(_ client: CoEClient, cast: DemoCast) async throws -> DemoInventory {
        async let proposals = client.proposals(as: cast.programmeManager)
        async let cases = client.reviewCases(as: cast.programmeManager)
        async let commitments = client.commitments(as: cast.recorder)
        async let envelopes = client.envelopes(as: cast.recorder)
        async let recipients = client.recipients(as: cast.programmeManager)
        async let payments = client.payments(as: cast.recorder)
        return DemoInventory(
            proposals: try await proposals, cases: Dictionary(try await cases.map { ($0.proposalId, $0) }) { first, _ in first },
            commitments: Dictionary(try await commitments.map { ($0.proposalId, $0) }) { first, _ in first }, envelopes: try await envelopes,
            recipients: try await recipients, payments: try await payments)
    }

    /// The scenario's proposal: its focal point's, with its title (titles of the plan are unique).
    func proposal(of scenario: Scenario) -> Proposal? {
        proposals.first { $0.createdBy == DemoPlan.focalPoint(scenario.lead) && $0.title == scenario.content.title }
    }

    func envelope(year: Int, region: String) -> Envelope? { envelopes.first { $0.year == year && $0.region == region } }

    func isRegistered(_ person: Person) -> Bool { recipients.contains { $0.sub == person.sub } }

    /// How far `scenario` got. Progress beyond the plan's open states (a demo proposal someone
    /// screened since) counts as complete: the load never undoes what people did.
    func progress(of scenario: Scenario) -> Progress {
        guard let proposal = proposal(of: scenario) else { return .notStarted }
        let journey = scenario.journey
        let target = journey.finalStatus
        if proposal.status.isFinal, proposal.status != target {
            return .divergent("\(proposal.status.rawValue) at intake; the plan leaves it \(target.rawValue)")
        }
        let movedOn =
            journey.revision == nil && !target.isFinal && proposal.status != target
            && (target == .draft || (target == .submitted && proposal.status == .revisionRequested))
        guard proposal.status == target || movedOn else { return .incomplete }
        if journey.draft == .completedByEdit, proposal.requestedBudget == nil { return .incomplete }
        if journey.revision != nil, proposal.revision < 2 { return .incomplete }
        if let stage = journey.finalStage, !movedOn {
            guard let reviewCase = cases[proposal.id], Self.reached(stage, at: reviewCase.stage) else { return .incomplete }
            let round = reviewCase.round(1)
            if journey.screening != nil, round?.screening == nil { return .incomplete }
            if reviewCase.assignments.count < journey.reviewers { return .incomplete }
            if (round?.assessments.count ?? 0) < journey.assessments { return .incomplete }
            if journey.revision != nil, reviewCase.rounds.count < 2 { return .incomplete }
        }
        if let funding = journey.funding {
            guard let commitment = commitments[proposal.id] else { return .incomplete }
            if !funding.blocked {
                let verified = commitment.payments.filter { $0.status == .verified }.count
                let pending = commitment.payments.filter { $0.status == .pending }.count
                if verified < funding.verified.count || pending < (funding.pending == nil ? 0 : 1) { return .incomplete }
            }
        }
        return .complete
    }

    /// Whether a case in `actual` is at `planned`, or past it when `planned` is a stage that waits for someone.
    private static func reached(_ planned: ReviewStage, at actual: ReviewStage) -> Bool {
        let open: [ReviewStage] = [.screening, .technical, .decision]
        guard let plannedIndex = open.firstIndex(of: planned) else { return actual == planned }
        return open.firstIndex(of: actual).map { $0 >= plannedIndex } ?? true
    }
}
