import Foundation

// The events workflow owns: the steps of a review and its decision.

/// What every decision event says about the proposal decided, so that funding and
/// notifications need nothing else.
public struct DecidedProposal: Codable, Sendable, Equatable {
    public var reference: String
    public var title: String
    public var region: String
    public var leadCountry: String
    public var participatingCountries: [String]
    public var requestedBudget: Money
    /// The proposal's summary and planned duration, as reviewed (absent from events of
    /// earlier releases): what a funder's report (IATI) describes the project with.
    public var summary: String?
    public var durationMonths: Int?

    public init(
        reference: String, title: String, region: String, leadCountry: String, participatingCountries: [String], requestedBudget: Money,
        summary: String? = nil, durationMonths: Int? = nil
    ) {
        self.reference = reference
        self.title = title
        self.region = region
        self.leadCountry = leadCountry
        self.participatingCountries = participatingCountries
        self.requestedBudget = requestedBudget
        self.summary = summary
        self.durationMonths = durationMonths
    }
}

/// One instalment of an approved grant: its kind, its share of the approved budget and the
/// amount that share comes to (the amounts add up to the approved budget to the cent).
public struct PaymentTranche: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case preFinancing = "pre_financing"
        case interim
        case final
    }

    public var tranche: Kind
    /// Whole percent of the approved budget, 1…100; a schedule's percentages sum to 100.
    public var percent: Int
    public var amount: Money

    public init(tranche: Kind, percent: Int, amount: Money) {
        self.tranche = tranche
        self.percent = percent
        self.amount = amount
    }

    /// The one rule of a schedule's amounts: each tranche is its percent of `budget` rounded
    /// down to the cent, and the last takes what is left, so the amounts add up to the budget
    /// exactly. Nil when a percent is outside 1…100 or the budget outside 0.01…10¹⁶ cents (where
    /// cents × percent could leave 64 bits). An amount may come to 0.00; callers refuse that.
    public static func split(_ budget: Money, shares: [(Kind, Int)]) -> [PaymentTranche]? {
        guard budget > .zero, budget.cents <= 10_000_000_000_000_000, shares.allSatisfy({ (1...100).contains($0.1) }) else { return nil }
        var allotted: Int64 = 0
        return shares.enumerated().map { index, share in
            let amount = index == shares.count - 1 ? budget.cents - allotted : budget.cents * Int64(share.1) / 100
            allotted += amount
            return PaymentTranche(tranche: share.0, percent: share.1, amount: Money(cents: amount))
        }
    }
}

/// Who took a decision, and when.
public struct DecisionRecord: Codable, Sendable, Equatable {
    public var decidedAt: Date
    public var decidedBy: EventActor

    public init(decidedAt: Date, decidedBy: EventActor) {
        self.decidedAt = decidedAt
        self.decidedBy = decidedBy
    }
}

/// `proposal.revision_requested` v1: the decision sends the proposal back to its focal point.
public struct ProposalRevisionRequested: EventPayload, Equatable {
    public static let eventType = EventType.proposalRevisionRequested
    public static let version = 1

    public var proposalId: UUID
    public var caseId: UUID
    /// The revision that was reviewed.
    public var revision: Int
    /// The review round that ends with this request.
    public var round: Int
    public var proposal: DecidedProposal
    public var reasons: [String]
    public var decision: DecisionRecord

    public init(proposalId: UUID, caseId: UUID, revision: Int, round: Int, proposal: DecidedProposal, reasons: [String], decision: DecisionRecord) {
        self.proposalId = proposalId
        self.caseId = caseId
        self.revision = revision
        self.round = round
        self.proposal = proposal
        self.reasons = reasons
        self.decision = decision
    }
}

/// `proposal.approved` v1: approved with a budget at most the requested one and a payment schedule.
public struct ProposalApproved: EventPayload, Equatable {
    public static let eventType = EventType.proposalApproved
    public static let version = 1

    public var proposalId: UUID
    public var caseId: UUID
    public var revision: Int
    public var round: Int
    public var proposal: DecidedProposal
    public var approvedBudget: Money
    /// In payment order: `pre_financing` (optional), `interim`…, `final`.
    public var paymentSchedule: [PaymentTranche]
    /// The mean weighted score of the round's assessments ("73.50").
    public var weightedScore: String?
    public var decision: DecisionRecord

    public init(
        proposalId: UUID, caseId: UUID, revision: Int, round: Int, proposal: DecidedProposal, approvedBudget: Money,
        paymentSchedule: [PaymentTranche], weightedScore: String?, decision: DecisionRecord
    ) {
        self.proposalId = proposalId
        self.caseId = caseId
        self.revision = revision
        self.round = round
        self.proposal = proposal
        self.approvedBudget = approvedBudget
        self.paymentSchedule = paymentSchedule
        self.weightedScore = weightedScore
        self.decision = decision
    }
}

/// `proposal.rejected` v1: rejected at screening (ineligible) or at the decision.
public struct ProposalRejected: EventPayload, Equatable {
    public static let eventType = EventType.proposalRejected
    public static let version = 1

    public var proposalId: UUID
    public var caseId: UUID
    public var revision: Int
    public var round: Int
    public var proposal: DecidedProposal
    /// `screening` or `decision`: where the proposal was turned down.
    public var stage: String
    public var reasons: [String]
    public var decision: DecisionRecord

    public init(
        proposalId: UUID, caseId: UUID, revision: Int, round: Int, proposal: DecidedProposal, stage: String, reasons: [String],
        decision: DecisionRecord
    ) {
        self.proposalId = proposalId
        self.caseId = caseId
        self.revision = revision
        self.round = round
        self.proposal = proposal
        self.stage = stage
        self.reasons = reasons
        self.decision = decision
    }
}

/// `review.screened` v1: the region's secretariat found the proposal eligible (it goes to
/// technical assessment) or not (`proposal.rejected` follows).
public struct ReviewScreened: EventPayload, Equatable {
    public static let eventType = EventType.reviewScreened
    public static let version = 1

    public var proposalId: UUID
    public var caseId: UUID
    public var revision: Int
    public var round: Int
    public var proposal: DecidedProposal
    /// `eligible` or `ineligible`.
    public var outcome: String
    public var reasons: [String]

    public init(proposalId: UUID, caseId: UUID, revision: Int, round: Int, proposal: DecidedProposal, outcome: String, reasons: [String]) {
        self.proposalId = proposalId
        self.caseId = caseId
        self.revision = revision
        self.round = round
        self.proposal = proposal
        self.outcome = outcome
        self.reasons = reasons
    }
}

/// `review.assessed` v1: a reviewer submitted (or amended) their assessment of a round.
public struct ReviewAssessed: EventPayload, Equatable {
    public static let eventType = EventType.reviewAssessed
    public static let version = 1

    public var proposalId: UUID
    public var caseId: UUID
    public var reference: String
    public var title: String
    public var region: String
    public var revision: Int
    public var round: Int
    /// The reviewer's subject.
    public var reviewer: String
    /// The assessment's weighted total ("73.50").
    public var weightedTotal: String
    public var recommendation: String
    public var amended: Bool
    /// Assessments of the round so far, and how many the decision needs.
    public var assessments: Int
    public var required: Int
    /// The case went to the decision with this assessment (the programme manager is told).
    public var readyForDecision: Bool

    public init(
        proposalId: UUID, caseId: UUID, reference: String, title: String, region: String, revision: Int, round: Int, reviewer: String,
        weightedTotal: String, recommendation: String, amended: Bool, assessments: Int, required: Int, readyForDecision: Bool
    ) {
        self.proposalId = proposalId
        self.caseId = caseId
        self.reference = reference
        self.title = title
        self.region = region
        self.revision = revision
        self.round = round
        self.reviewer = reviewer
        self.weightedTotal = weightedTotal
        self.recommendation = recommendation
        self.amended = amended
        self.assessments = assessments
        self.required = required
        self.readyForDecision = readyForDecision
    }
}

/// `review.overdue` v1: a stage of a case has run past the days it is allowed (raised once per
/// case, round and stage).
public struct ReviewOverdue: EventPayload, Equatable {
    public static let eventType = EventType.reviewOverdue
    public static let version = 1

    public var proposalId: UUID
    public var caseId: UUID
    public var reference: String
    public var title: String
    public var region: String
    public var revision: Int
    public var round: Int
    /// `screening`, `technical` or `decision`.
    public var stage: String
    public var dueAt: Date
    public var daysAllowed: Int
    /// Who the case waits for: `secretariat`, the reviewers' subjects, or `admin`.
    public var waitingFor: [String]

    public init(
        proposalId: UUID, caseId: UUID, reference: String, title: String, region: String, revision: Int, round: Int, stage: String,
        dueAt: Date, daysAllowed: Int, waitingFor: [String]
    ) {
        self.proposalId = proposalId
        self.caseId = caseId
        self.reference = reference
        self.title = title
        self.region = region
        self.revision = revision
        self.round = round
        self.stage = stage
        self.dueAt = dueAt
        self.daysAllowed = daysAllowed
        self.waitingFor = waitingFor
    }
}

/// `review.assigned` v1: a secretariat assigned a reviewer to the technical assessment of a proposal.
public struct ReviewAssigned: EventPayload, Equatable {
    public static let eventType = EventType.reviewAssigned
    public static let version = 1

    public struct Reviewer: Codable, Sendable, Equatable {
        /// The reviewer's subject (the `sub` of their token).
        public var sub: String
        public var name: String
        public var email: String?

        public init(sub: String, name: String, email: String?) {
            self.sub = sub
            self.name = name
            self.email = email
        }
    }

    public var proposalId: UUID
    public var caseId: UUID
    public var reference: String
    public var title: String
    public var region: String
    /// The revision of the proposal under review.
    public var revision: Int
    public var reviewer: Reviewer

    public init(proposalId: UUID, caseId: UUID, reference: String, title: String, region: String, revision: Int, reviewer: Reviewer) {
        self.proposalId = proposalId
        self.caseId = caseId
        self.reference = reference
        self.title = title
        self.region = region
        self.revision = revision
        self.reviewer = reviewer
    }
}

/// `review.unassigned` v1: a reviewer no longer reviews a proposal (the secretariat took them
/// off, or a revision brought in their own country).
public struct ReviewUnassigned: EventPayload, Equatable {
    public static let eventType = EventType.reviewUnassigned
    public static let version = 1

    public var proposalId: UUID
    public var caseId: UUID
    public var revision: Int
    /// The reviewer's subject.
    public var reviewer: String
    public var reason: String

    public init(proposalId: UUID, caseId: UUID, revision: Int, reviewer: String, reason: String) {
        self.proposalId = proposalId
        self.caseId = caseId
        self.revision = revision
        self.reviewer = reviewer
        self.reason = reason
    }
}
