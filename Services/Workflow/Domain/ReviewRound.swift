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
    var answers: [String: (met: Bool, note: String?)]
    var outcome: Screening.Outcome
    var reasons: [String]

    static func == (lhs: ScreeningInput, rhs: ScreeningInput) -> Bool {
        lhs.outcome == rhs.outcome && lhs.reasons == rhs.reasons
            && lhs.answers.mapValues { "\($0.met)|\($0.note ?? "")" } == rhs.answers.mapValues { "\($0.met)|\($0.note ?? "")" }
    }
}

/// The programme manager's decision on a round.
struct Decision: Codable, Sendable, Equatable {
    enum Outcome: String, Codable, Sendable, CaseIterable {
        case approved
        case rejected
        case revisionRequested = "revision_requested"
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
struct Scores: Codable, Sendable, Equatable {
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

    /// Equal as the API shows them (`weightedSum` is not sent, so a decoded copy rebuilds it from the rounded mean).
    static func == (lhs: Scores, rhs: Scores) -> Bool {
        lhs.assessments == rhs.assessments && lhs.averageScore == rhs.averageScore && lhs.weightedScore == rhs.weightedScore
    }

    private enum CodingKeys: String, CodingKey { case assessments, averageScore, weightedScore }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        assessments = try container.decode(Int.self, forKey: .assessments)
        averageScore = try container.decodeIfPresent(Score.self, forKey: .averageScore)
        weightedScore = try container.decodeIfPresent(Score.self, forKey: .weightedScore)
        weightedSum = (weightedScore?.hundredths ?? 0) * assessments
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(assessments, forKey: .assessments)
        try container.encode(averageScore, forKey: .averageScore)
        try container.encode(weightedScore, forKey: .weightedScore)
    }
}
