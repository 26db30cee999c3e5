import Events
import Foundation

/// The stages of a review: `screening` → `technical` → `decision`, then `closed`.
enum ReviewStage: String, Codable, Sendable, CaseIterable {
    case screening
    case technical
    case decision
    case closed

    /// Reviewers are assigned while the proposal is screened or assessed, not once it is decided.
    var acceptsAssignments: Bool { self == .screening || self == .technical }
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
    var assignments: [Assignment]
    var history: [HistoryEntry]

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
        var action: String
        var detail: String
    }

    /// The countries whose nationals may not review this proposal (conflict of interest).
    var involvedCountries: Set<String> { Set(participatingCountries + [leadCountry]) }

    func isAssigned(_ reviewer: String) -> Bool { assignments.contains { $0.reviewer == reviewer } }
}
