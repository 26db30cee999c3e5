import Foundation

/// `proposal.submitted` v1: a proposal was submitted or resubmitted; everything a reviewer needs.
public struct ProposalSubmitted: EventPayload, Equatable {
    public static let eventType = EventType.proposalSubmitted
    public static let version = 1

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

    public init(
        proposalId: UUID, reference: String, revision: Int, title: String, region: String, leadCountry: String,
        participatingCountries: [String], cbrnCategories: [String], requestedBudget: Money, durationMonths: Int?
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
    }
}
