/// What the region's secretariat answers when it screens a proposal: every item of the call's
/// checklist met or not, with an optional note, and the outcome (an ineligible one with reasons).
public struct Screening: Encodable, Sendable, Equatable {
    public struct Answer: Encodable, Sendable, Equatable {
        public var met: Bool
        public var note: String?

        public init(met: Bool, note: String? = nil) {
            self.met = met
            self.note = note
        }
    }

    public enum Outcome: String, Encodable, Sendable {
        case eligible
        case ineligible
    }

    public var answers: [String: Answer]
    public var outcome: Outcome
    public var reasons: [String]

    public init(answers: [String: Answer], outcome: Outcome, reasons: [String] = []) {
        self.answers = answers
        self.outcome = outcome
        self.reasons = reasons
    }

    /// Every item of `rules`' checklist met: the round goes to technical assessment.
    public static func eligible(_ rules: ReviewRules, notes: [String: String] = [:]) -> Screening {
        Screening(answers: answers(rules, unmet: [], notes: notes), outcome: .eligible)
    }

    /// The items `unmet` not met, the others met, and the reasons: the proposal is rejected at screening.
    public static func ineligible(_ rules: ReviewRules, unmet: Set<String>, reasons: [String], notes: [String: String] = [:]) -> Screening {
        Screening(answers: answers(rules, unmet: unmet, notes: notes), outcome: .ineligible, reasons: reasons)
    }

    private static func answers(_ rules: ReviewRules, unmet: Set<String>, notes: [String: String]) -> [String: Answer] {
        Dictionary(uniqueKeysWithValues: rules.checklist.map { ($0.key, Answer(met: !unmet.contains($0.key), note: notes[$0.key])) })
    }

    private enum CodingKeys: String, CodingKey { case answers, outcome, reasons }

    /// Reasons only when there are some: an eligible screening needs none.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(answers, forKey: .answers)
        try container.encode(outcome, forKey: .outcome)
        if !reasons.isEmpty { try container.encode(reasons, forKey: .reasons) }
    }
}
