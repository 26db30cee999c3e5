/// A reviewer's assessment of a round: every criterion of the call's rubric scored 0–100 with a
/// comment, a recommendation, and the declaration that they have no conflict of interest.
public struct Assessment: Encodable, Sendable, Equatable {
    public struct Mark: Encodable, Sendable, Equatable {
        public var score: Int
        public var comment: String

        public init(score: Int, comment: String) {
            self.score = score
            self.comment = comment
        }
    }

    public enum Recommendation: String, Encodable, Sendable {
        case fund
        case fundWithChanges = "fund_with_changes"
        case doNotFund = "do_not_fund"
    }

    public var scores: [String: Mark]
    public var recommendation: Recommendation
    public var comment: String?
    /// Workflow refuses an assessment without the declaration (false is a 422).
    public var noConflictOfInterest: Bool

    public init(scores: [String: Mark], recommendation: Recommendation, comment: String? = nil, noConflictOfInterest: Bool = true) {
        self.scores = scores
        self.recommendation = recommendation
        self.comment = comment
        self.noConflictOfInterest = noConflictOfInterest
    }

    /// The criteria of `rules` scored in order with `scores` (the last score repeats when there
    /// are fewer scores than criteria), each with a comment naming its score.
    public init(_ rules: ReviewRules, scores: [Int], recommendation: Recommendation, comment: String? = nil) {
        let marks = rules.criteria.enumerated().map { index, criterion in
            let score = scores.isEmpty ? 50 : scores[min(index, scores.count - 1)]
            return (criterion.key, Mark(score: score, comment: Self.comment(score: score, on: criterion.label)))
        }
        self.init(scores: Dictionary(uniqueKeysWithValues: marks), recommendation: recommendation, comment: comment)
    }

    /// A reviewer's sentence for a score, by band.
    static func comment(score: Int, on criterion: String) -> String {
        let judgement =
            switch score {
            case 85...: "Excellent"
            case 70..<85: "Good"
            case 55..<70: "Adequate, with gaps to address"
            case 40..<55: "Weak"
            default: "Insufficient"
            }
        return "\(judgement) (\(score)/100): \(criterion.prefix(1).lowercased() + criterion.dropFirst())."
    }
}
