import Events
import Foundation

/// The steps a case's history records.
enum ReviewHistoryAction: String, Codable, Sendable, CaseIterable {
    case opened
    case resubmitted
    case withdrawn
    case reviewerAssigned = "reviewer_assigned"
    case reviewerUnassigned = "reviewer_unassigned"
    case screened
    case assessed
    case assessmentAmended = "assessment_amended"
    case approved
    case rejected
    case revisionRequested = "revision_requested"
    case overdue
}

/// The review of one proposal.
struct ReviewCase: Codable, Sendable, Equatable {
    var id: UUID
    var proposalId: UUID
    var reference: String
    var title: String
    var region: String
    var leadCountry: String
    var participatingCountries: [String]
    var requestedBudget: Money
    var revision: Int
    var stage: ReviewStage
    var openedAt: Date
    var updatedAt: Date
    /// When the case entered its stage, and when that stage is due (nil once nothing is waited for).
    var stageEnteredAt: Date
    var dueAt: Date?
    /// What an assigned reviewer needs to assess the proposal (no contact details).
    var proposal: ProposalSummary
    var assignments: [Assignment]
    /// Every round so far, oldest first; the last is the current one.
    var rounds: [ReviewRound]
    /// The overdue reminders raised, one per round and stage at most.
    var reminders: [Reminder]
    var history: [HistoryEntry]

    /// The proposal under review, as its last submission described it.
    struct ProposalSummary: Codable, Sendable, Equatable {
        var summary: String?
        var objectives: [String]
        var cbrnCategories: [String]
        var cbrnAreas: [String]
        var durationMonths: Int?
        var implementingPartners: [ProposalSubmitted.Partner]
    }

    /// A reviewer assigned to the case.
    struct Assignment: Codable, Sendable, Equatable {
        var reviewer: String
        var name: String
        var email: String?
        var country: String
        var assignedBy: String
        var assignedAt: Date
    }

    /// One step of a case; never changed once written.
    struct HistoryEntry: Codable, Sendable, Equatable {
        var at: Date
        var actor: EventActor
        var action: ReviewHistoryAction
        var detail: String
        /// The round the step belongs to.
        var round: Int
        /// The reviewer the step concerns (assigned, unassigned, assessed), for masking.
        var reviewer: String?
    }

    /// An overdue reminder raised for a stage of a round.
    struct Reminder: Codable, Sendable, Equatable {
        var round: Int
        var stage: ReviewStage
        var at: Date
    }

    /// The round under review now.
    var currentRound: ReviewRound {
        get { rounds[rounds.count - 1] }
        set { rounds[rounds.count - 1] = newValue }
    }

    /// The countries whose nationals may not review this proposal (conflict of interest).
    var involvedCountries: Set<String> { Set(participatingCountries + [leadCountry]) }

    func isAssigned(_ reviewer: String) -> Bool { assignments.contains { $0.reviewer == reviewer } }
}

/// What one change of a case records besides its new state: history lines and the events it causes.
struct ReviewChange: Sendable {
    var history: [ReviewCase.HistoryEntry] = []
    var events: [any EventPayload] = []

    static let none = ReviewChange()
    var isEmpty: Bool { history.isEmpty && events.isEmpty }
}
