import Foundation

/// `proposal.submitted` v1: a proposal was submitted or resubmitted; everything a reviewer needs.
public struct ProposalSubmitted: EventPayload, Equatable {
    public static let eventType = EventType.proposalSubmitted
    public static let version = 1

    /// An organisation implementing the project.
    public struct Partner: Codable, Sendable, Equatable {
        public var name: String
        public var country: String?
        public var role: String?
        public init(name: String, country: String?, role: String?) {
            self.name = name
            self.country = country
            self.role = role
        }
    }

    public var proposalId: UUID
    public var reference: String
    public var revision: Int
    public var title: String
    public var region: String
    public var leadCountry: String
    public var participatingCountries: [String]
    public var cbrnCategories: [String]
    public var requestedBudget: Money
    public var durationMonths: Int?
    public var summary: String?
    public var objectives: [String]?
    public var cbrnAreas: [String]?
    public var implementingPartners: [Partner]?
    public var contactName: String?
    public var contactEmail: String?

    public init(
        proposalId: UUID, reference: String, revision: Int, title: String, region: String, leadCountry: String,
        participatingCountries: [String], cbrnCategories: [String], requestedBudget: Money, durationMonths: Int?,
        summary: String? = nil, objectives: [String]? = nil, cbrnAreas: [String]? = nil, implementingPartners: [Partner]? = nil,
        contactName: String? = nil, contactEmail: String? = nil
    ) {
        self.proposalId = proposalId
        self.reference = reference
        self.revision = revision
        self.title = title
        self.region = region
        self.leadCountry = leadCountry
        self.participatingCountries = participatingCountries
        self.cbrnCategories = cbrnCategories
        self.requestedBudget = requestedBudget
        self.durationMonths = durationMonths
        self.summary = summary
        self.objectives = objectives
        self.cbrnAreas = cbrnAreas
        self.implementingPartners = implementingPartners
        self.contactName = contactName
        self.contactEmail = contactEmail
    }
}

/// `proposal.withdrawn` v1: the focal point withdrew a submitted (or revision-requested) proposal.
public struct ProposalWithdrawn: EventPayload, Equatable {
    public static let eventType = EventType.proposalWithdrawn
    public static let version = 1

    public var proposalId: UUID
    public var reference: String?
    public var revision: Int
    public var region: String
    public var leadCountry: String
    public var reason: String?

    public init(proposalId: UUID, reference: String?, revision: Int, region: String, leadCountry: String, reason: String?) {
        self.proposalId = proposalId
        self.reference = reference
        self.revision = revision
        self.region = region
        self.leadCountry = leadCountry
        self.reason = reason
    }
}
