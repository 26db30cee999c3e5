import Events
import Foundation

/// One review of one revision of a proposal: its screening, its assessments and its decision.
/// A revision request ends a round; the resubmission opens the next, and an ended round is
/// never changed again.
struct ReviewRound: Codable, Sendable, Equatable {
    var number: Int
    /// The proposal's revision this round reviews.
    var revision: Int
    var openedAt: Date
    var screening: Screening?
    var assessments: [Assessment]
    var decision: Decision?
    /// Set when the round ends (revision requested, rejected, approved, or the case closed).
    var endedAt: Date?

    init(number: Int, revision: Int, openedAt: Date) {
        self.number = number
        self.revision = revision
        self.openedAt = openedAt
        self.assessments = []
    }

    func assessment(by reviewer: String) -> Assessment? { assessments.first { $0.reviewer == reviewer } }

    /// The mean of the assessments' weighted totals and of their plain averages.
    var scores: Scores { Scores(assessments) }
}

/// The eligibility checklist as the region's secretariat answered it.
struct Screening: Codable, Sendable, Equatable {
    enum Outcome: String, Codable, Sendable, CaseIterable {
        case eligible
        case ineligible
    }

    struct Answer: Codable, Sendable, Equatable {
        var item: String
        var label: String
        var met: Bool
        var note: String?
    }

    var answers: [Answer]
    var outcome: Outcome
    var reasons: [String]
    var screenedBy: EventActor
    var screenedAt: Date
}

/// What the secretariat sends to screen: an answer per checklist item, an outcome, and reasons
/// (required when ineligible).
struct ScreeningInput: Sendable, Equatable {
    struct Answer: Sendable, Equatable {
        var met: Bool
        var note: String?
    }

    var answers: [String: Answer]
    var outcome: Screening.Outcome
    var reasons: [String]
}

/// The programme manager's decision on a round.
struct Decision: Codable, Sendable, Equatable {
    enum Outcome: String, Codable, Sendable, CaseIterable {
        case approved
        case rejected
        case revisionRequested = "revision_requested"

        /// The action that takes this decision.
        var action: ReviewAction {
            switch self {
            case .approved: .approve
            case .rejected: .reject
            case .revisionRequested: .requestRevision
            }
        }
    }

    var outcome: Outcome
    var reasons: [String]
    var approvedBudget: Money?
    var paymentSchedule: [PaymentTranche]?
    var decidedBy: EventActor
    var decidedAt: Date
}

/// What the programme manager sends: approve with a budget and a schedule (whole percent per
/// tranche), or reject or request a revision with reasons.
struct DecisionInput: Sendable, Equatable {
    struct Share: Sendable, Equatable {
        var tranche: PaymentTranche.Kind
        var percent: Int
    }

    var outcome: Decision.Outcome
    var reasons: [String]
    var approvedBudget: Money?
    var schedule: [Share]
}

/// The scores of a set of assessments: how many, the mean of their plain averages and the
/// mean of their weighted totals, each rounded once (half to even) to hundredths.
struct Scores: Encodable, Sendable, Equatable {
    var assessments: Int
    var averageScore: Score?
    var weightedScore: Score?
    /// Σ of the weighted totals in hundredths: with `assessments`, the exact mean for ranking.
    var weightedSum: Int

    init(_ assessments: [Assessment]) {
        self.assessments = assessments.count
        averageScore = Score.mean(assessments.map(\.averageScore))
        weightedScore = Score.mean(assessments.map(\.weightedTotal))
        weightedSum = assessments.reduce(0) { $0 + $1.weightedTotal.hundredths }
    }

    private enum CodingKeys: String, CodingKey { case assessments, averageScore, weightedScore }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(assessments, forKey: .assessments)
        try container.encode(averageScore, forKey: .averageScore)
        try container.encode(weightedScore, forKey: .weightedScore)
    }
}
