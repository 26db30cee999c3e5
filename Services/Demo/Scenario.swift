import Cycle
import Events

/// One proposal of the demonstration: what a focal point writes, and how far it goes through
/// the cycle. The same every run, so that a rerun finds what an earlier run made.
struct Scenario: Sendable {
    /// What the proposal says (the body intake gets, but for the contact, who is the focal point).
    struct Content: Sendable {
        var title: String
        var summary: String
        /// The other countries of the region taking part (the cross-border dimension).
        var participants: [String]
        var objectives: [String]
        var categories: [String]
        var areas: [String]
        var budget: Money
        var months: Int
        var partners: [ProposalDraft.Partner]
    }

    /// 1, 2, …: names the scenario's `Idempotency-Key`s (`coe-demo/p07/submit-1`).
    var number: Int
    var lead: String
    var region: String
    var content: Content
    var journey: Journey
    /// The blocked commitment needs the region's other approval committed first.
    var runsAfterOthers = false

    var slug: String { number < 10 ? "p0\(number)" : "p\(number)" }

    /// The `Idempotency-Key` of one of this scenario's steps.
    func key(_ step: String) -> String { "coe-demo/\(slug)/\(step)" }
}

/// How far a proposal goes, step by step, in the order people take the steps.
struct Journey: Sendable {
    enum Draft: Sendable {
        /// Created whole.
        case complete
        /// Created with its title, region, lead country and categories only, and left so.
        case incomplete
        /// Created incomplete, then completed by an edit (`PATCH` with `If-Match`).
        case completedByEdit
    }

    enum ScreeningOutcome: Sendable {
        case eligible
        case ineligible(unmet: Set<String>, reasons: [String])
    }

    /// How the reviewers judge it: their scores and recommendation follow.
    enum Merit: Sendable {
        case strong, mixed, weak
    }

    enum Outcome: Sendable {
        case approve(budget: Money, schedule: [Decision.Share])
        case reject(reasons: [String])
        case requestRevision(reasons: [String])
    }

    /// What finance does with the commitment of an approved proposal.
    struct Funding: Sendable {
        /// Tranches recorded by one finance officer and verified by the other, in order.
        var verified: [PaymentTranche.Kind] = []
        /// A tranche recorded after those and left for verification.
        var pending: PaymentTranche.Kind?
        /// The final tranche paid this much less than scheduled (savings, released to the envelope).
        var finalShortBy: Money?
        /// The envelope is expected not to cover it.
        var blocked = false
    }

    var draft = Draft.complete
    var submit = false
    var screening: ScreeningOutcome?
    /// Reviewers the secretariat assigns.
    var reviewers = 0
    /// Of the assigned reviewers, how many have assessed.
    var assessments = 0
    var merit = Merit.strong
    var outcome: Outcome?
    /// After a revision request: the focal point's changes, then the resubmission.
    var revision: ProposalDraft?
    var withdrawal: String?
    var funding: Funding?

    // MARK: Where it ends

    /// The proposal's status at intake once the journey is done.
    var finalStatus: ProposalStatus {
        if withdrawal != nil { return .withdrawn }
        if !submit { return .draft }
        if case .ineligible = screening { return .rejected }
        switch outcome {
        case .approve: return .approved
        case .reject: return .rejected
        case .requestRevision: return revision == nil ? .revisionRequested : .submitted
        case nil: return .submitted
        }
    }

    /// The case's stage at workflow once the journey is done; nil when never submitted.
    var finalStage: ReviewStage? {
        guard submit else { return nil }
        if withdrawal != nil { return .closed }
        if case .ineligible = screening { return .rejected }
        switch outcome {
        case .approve: return .approved
        case .reject: return .rejected
        case .requestRevision: return revision == nil ? .revisionRequested : .screening
        case nil: break
        }
        guard screening != nil else { return .screening }
        return assessments >= 2 ? .decision : .technical
    }

    /// A label of the state it is left in, for the summary.
    var label: String {
        if withdrawal != nil { return submit ? (outcome == nil ? "withdrawn during screening" : "withdrawn after a revision request") : "withdrawn draft" }
        if !submit { return draft == .complete ? "draft" : (draft == .incomplete ? "draft, incomplete" : "draft, completed by an edit") }
        if case .ineligible = screening { return "rejected at screening" }
        switch outcome {
        case .reject: return "rejected at the decision"
        case .requestRevision: return revision == nil ? "revision requested" : "revised and resubmitted"
        case .approve:
            guard let funding else { return "approved" }
            if funding.blocked { return "approved, commitment blocked" }
            if funding.verified.contains(.final) { return "approved, fully paid (closed)" }
            if funding.pending != nil { return "approved, payment awaiting verification" }
            switch funding.verified.count {
            case 0: return "approved, committed, nothing paid"
            case 1: return "approved, pre-financing paid"
            default: return "approved, pre-financing and interim paid"
            }
        case nil:
            if screening == nil { return reviewers > 0 ? "in screening, reviewers assigned" : "submitted, awaiting screening" }
            return assessments >= 2 ? "awaiting the decision" : (assessments == 1 ? "in assessment, one of two in" : "in assessment, none in yet")
        }
    }

    /// Where the state it is left in comes in the cycle, for ordering the summary.
    var rank: Int {
        let order: [ProposalStatus] = [.draft, .submitted, .revisionRequested, .approved, .rejected, .withdrawn]
        var rank = (order.firstIndex(of: finalStatus) ?? order.count) * 100
        rank += reviewers + assessments * 2 + (screening == nil ? 0 : 10) + (revision == nil ? 0 : 20)
        if let funding { rank += funding.blocked ? 50 : 40 - funding.verified.count * 10 - (funding.pending == nil ? 0 : 5) }
        if case .ineligible = screening { rank -= 20 }
        return rank + (draft == .complete ? 0 : (draft == .incomplete ? 2 : 1))
    }

    // MARK: The journeys of the plan

    static let draft = Journey()
    static let incompleteDraft = Journey(draft: .incomplete)
    static let completedDraft = Journey(draft: .completedByEdit)
    static func withdrawnDraft(_ reason: String) -> Journey { Journey(withdrawal: reason) }
    static let submitted = Journey(submit: true)
    static let screeningWithReviewers = Journey(submit: true, reviewers: 2)
    static func withdrawnInScreening(_ reason: String) -> Journey { Journey(submit: true, withdrawal: reason) }

    /// Screened eligible, two reviewers assigned, `assessments` of them in.
    static func inAssessment(_ assessments: Int, merit: Merit = .mixed) -> Journey {
        Journey(submit: true, screening: .eligible, reviewers: 2, assessments: assessments, merit: merit)
    }

    static func ineligible(unmet: Set<String>, reasons: [String]) -> Journey {
        Journey(submit: true, screening: .ineligible(unmet: unmet, reasons: reasons))
    }

    static func rejected(_ reasons: [String]) -> Journey {
        Journey(submit: true, screening: .eligible, reviewers: 2, assessments: 2, merit: .weak, outcome: .reject(reasons: reasons))
    }

    static func revisionRequested(_ reasons: [String], then revision: ProposalDraft? = nil, withdrawn: String? = nil) -> Journey {
        Journey(
            submit: true, screening: .eligible, reviewers: 2, assessments: 2, merit: .mixed, outcome: .requestRevision(reasons: reasons),
            revision: revision, withdrawal: withdrawn)
    }

    static func approved(_ budget: Money, _ schedule: [Decision.Share], funding: Funding = Funding()) -> Journey {
        Journey(
            submit: true, screening: .eligible, reviewers: 2, assessments: 2, merit: .strong, outcome: .approve(budget: budget, schedule: schedule),
            funding: funding)
    }
}
