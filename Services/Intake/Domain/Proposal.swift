import Events
import Foundation

/// A project proposal of a partner country, as intake keeps it.
struct Proposal: Sendable, Equatable {
    var id: UUID
    var reference: String?
    var status: ProposalStatus
    /// The number of the last submission (0 while never submitted).
    var revision: Int
    /// Grows with every change; the ETag.
    var version: Int
    var content: ProposalContent
    var createdBy: String
    var createdAt: Date
    var updatedAt: Date
    var submittedAt: Date?
    var decidedAt: Date?
    var approvedBudget: Money?
    var decisionReasons: [String]

    var etag: String { "\"\(version)\"" }
}

extension Proposal: Codable {
    private enum CodingKeys: String, CodingKey {
        case id, reference, status, revision, version, createdBy, createdAt, updatedAt, submittedAt, decidedAt
        case approvedBudget, decisionReasons, allowedActions
    }

    /// The JSON of the API: the content's fields at the top level next to the proposal's own.
    func encode(to encoder: any Encoder) throws {
        try content.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(reference, forKey: .reference)
        try container.encode(status, forKey: .status)
        try container.encode(revision, forKey: .revision)
        try container.encode(version, forKey: .version)
        try container.encode(createdBy, forKey: .createdBy)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encode(submittedAt, forKey: .submittedAt)
        try container.encode(decidedAt, forKey: .decidedAt)
        try container.encode(approvedBudget, forKey: .approvedBudget)
        try container.encode(decisionReasons, forKey: .decisionReasons)
        try container.encode(status.allowedActions.map(\.rawValue), forKey: .allowedActions)
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.content = try ProposalContent(from: decoder)
        self.id = try container.decode(UUID.self, forKey: .id)
        self.reference = try container.decodeIfPresent(String.self, forKey: .reference)
        self.status = try container.decode(ProposalStatus.self, forKey: .status)
        self.revision = try container.decode(Int.self, forKey: .revision)
        self.version = try container.decode(Int.self, forKey: .version)
        self.createdBy = try container.decode(String.self, forKey: .createdBy)
        self.createdAt = try container.decode(Date.self, forKey: .createdAt)
        self.updatedAt = try container.decode(Date.self, forKey: .updatedAt)
        self.submittedAt = try container.decodeIfPresent(Date.self, forKey: .submittedAt)
        self.decidedAt = try container.decodeIfPresent(Date.self, forKey: .decidedAt)
        self.approvedBudget = try container.decodeIfPresent(Money.self, forKey: .approvedBudget)
        self.decisionReasons = try container.decodeIfPresent([String].self, forKey: .decisionReasons) ?? []
    }
}

/// One line of a proposal's history.
struct ProposalHistoryEntry: Codable, Sendable, Equatable {
    var at: Date
    var actor: EventActor
    var action: ProposalHistoryAction
    var fromStatus: String?
    var toStatus: String?
    var changedFields: [String] = []
    var detail: String?
}

/// A submitted revision as it was submitted.
struct ProposalRevision: Codable, Sendable {
    var revision: Int
    var submittedAt: Date
    var submittedBy: String
    var proposal: ProposalContent
}
