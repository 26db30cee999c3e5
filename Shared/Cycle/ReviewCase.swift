import Events
import Foundation

/// Where a review case stands at workflow: `screening → technical → decision → approved |
/// rejected | revision_requested`, the next round's `screening` after a resubmission, and
/// `closed` once the proposal is withdrawn.
public enum ReviewStage: String, Codable, Sendable, CaseIterable {
    case screening
    case technical
    case decision
    case approved
    case rejected
    case revisionRequested = "revision_requested"
    case closed
}

/// A review case as workflow answers it, masked for the caller (a focal point sees no
/// reviewers, a reviewer only their own assessment until it is in).
public struct ReviewCase: Codable, Sendable, Equatable {
    /// A reviewer assigned to the case (shown to secretariats, finance and admins).
    public struct Assignment: Codable, Sendable, Equatable {
        public var reviewer: String
        public var name: String
        public var country: String
    }

    /// One round: the review of one submitted revision.
    public struct Round: Codable, Sendable, Equatable {
        public struct Screening: Codable, Sendable, Equatable {
            public var outcome: String
            public var reasons: [String]
        }

        public struct Assessment: Codable, Sendable, Equatable {
            public var reviewer: String
            /// `"72.50"`.
            public var weightedTotal: String
            public var recommendation: String
        }

        public struct Decision: Codable, Sendable, Equatable {
            public var outcome: String
            public var approvedBudget: Money?
            public var reasons: [String]
        }

        public var number: Int
        /// The proposal's revision this round reviews.
        public var revision: Int
        public var screening: Screening?
        public var assessments: [Assessment]
        public var decision: Decision?
        public var endedAt: Date?

        /// The assessment of `reviewer` in this round, when the caller may see it.
        public func assessment(by reviewer: String) -> Assessment? { assessments.first { $0.reviewer == reviewer } }
    }

    /// The current round's means over the assessments the caller sees; strings such as `"75.25"`.
    public struct Scores: Codable, Sendable, Equatable {
        public var assessments: Int
        public var averageScore: String?
        public var weightedScore: String?
    }

    /// The case's own id.
    public var id: UUID
    public var proposalId: UUID
    public var reference: String
    public var title: String
    public var region: String
    public var leadCountry: String
    public var participatingCountries: [String]
    public var requestedBudget: Money
    public var revision: Int
    public var stage: ReviewStage
    public var assignments: [Assignment]
    /// Oldest first; the last is the current one.
    public var rounds: [Round]
    public var scores: Scores
    public var overdue: Bool
    /// What the caller may do now.
    public var allowedActions: [String]

    /// The round under review now.
    public var currentRound: Round? { rounds.last }

    /// Round `number` (1-based), if it was opened.
    public func round(_ number: Int) -> Round? { rounds.first { $0.number == number } }

    public func isAssigned(_ reviewer: String) -> Bool { assignments.contains { $0.reviewer == reviewer } }
}

/// The call's rules as workflow publishes them (`GET /v1/review-rules`): what a screening
/// answers, what an assessment scores, how many assessments a decision needs.
public struct ReviewRules: Codable, Sendable, Equatable {
    public struct ChecklistItem: Codable, Sendable, Equatable {
        public var key: String
        public var label: String
    }

    public struct Criterion: Codable, Sendable, Equatable {
        public var key: String
        public var label: String
        public var weight: Int
    }

    public var checklist: [ChecklistItem]
    public var criteria: [Criterion]
    public var minimumAssessments: Int
    public var preFinancingCapPercent: Int
}
