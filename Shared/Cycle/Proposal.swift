import Events
import Foundation

/// Where a proposal is at intake: `draft → submitted → (revision_requested → submitted)* →
/// approved | rejected`, and `withdrawn` from draft, submitted or revision_requested.
public enum ProposalStatus: String, Codable, Sendable, CaseIterable {
    case draft
    case submitted
    case revisionRequested = "revision_requested"
    case approved
    case rejected
    case withdrawn

    /// Decided or withdrawn: nothing more happens to it.
    public var isFinal: Bool { self == .approved || self == .rejected || self == .withdrawn }
}

/// A proposal as intake answers it: what the cycle's steps read of it.
public struct Proposal: Codable, Sendable, Equatable {
    public var id: UUID
    /// `CBRN-2026-0001`, given on the first submission.
    public var reference: String?
    public var status: ProposalStatus
    /// The number of the last submission (0 while never submitted).
    public var revision: Int
    /// Grows with every change; `etag` is it quoted.
    public var version: Int
    public var title: String?
    public var summary: String?
    public var objectives: [String]
    public var region: String?
    public var leadCountry: String?
    public var participatingCountries: [String]
    public var requestedBudget: Money?
    public var durationMonths: Int?
    public var approvedBudget: Money?
    public var decisionReasons: [String]
    public var createdBy: String
    /// What the caller may do now (`update`, `submit`, `withdraw`).
    public var allowedActions: [String]
    /// The `ETag` an edit sends back as `If-Match`: the header when the answer had one, else the version quoted.
    public var etag: String

    private enum CodingKeys: String, CodingKey {
        case id, reference, status, revision, version, title, summary, objectives, region, leadCountry, participatingCountries, requestedBudget
        case durationMonths, approvedBudget
        case decisionReasons, createdBy, allowedActions, etag
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(UUID.self, forKey: .id)
        reference = try container.decodeIfPresent(String.self, forKey: .reference)
        status = try container.decode(ProposalStatus.self, forKey: .status)
        revision = try container.decode(Int.self, forKey: .revision)
        version = try container.decode(Int.self, forKey: .version)
        title = try container.decodeIfPresent(String.self, forKey: .title)
        summary = try container.decodeIfPresent(String.self, forKey: .summary)
        objectives = try container.decodeIfPresent([String].self, forKey: .objectives) ?? []
        region = try container.decodeIfPresent(String.self, forKey: .region)
        leadCountry = try container.decodeIfPresent(String.self, forKey: .leadCountry)
        participatingCountries = try container.decodeIfPresent([String].self, forKey: .participatingCountries) ?? []
        requestedBudget = try container.decodeIfPresent(Money.self, forKey: .requestedBudget)
        durationMonths = try container.decodeIfPresent(Int.self, forKey: .durationMonths)
        approvedBudget = try container.decodeIfPresent(Money.self, forKey: .approvedBudget)
        decisionReasons = try container.decodeIfPresent([String].self, forKey: .decisionReasons) ?? []
        createdBy = try container.decode(String.self, forKey: .createdBy)
        allowedActions = try container.decodeIfPresent([String].self, forKey: .allowedActions) ?? []
        // Intake's body carries the version, not the ETag; the client sets the header's value after decoding.
        etag = try container.decodeIfPresent(String.self, forKey: .etag) ?? "\"\(version)\""
    }
}
