import Events
import Foundation

/// The review of one proposal: `screening` → `technical` → `decision`.
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
    var stage: String
    var openedAt: Date
    var updatedAt: Date
    var history: [HistoryEntry]

    /// One step of a case; never changed once written.
    struct HistoryEntry: Codable, Sendable, Equatable {
        var at: Date
        var actor: EventActor
        var action: String
        var detail: String
    }
}
