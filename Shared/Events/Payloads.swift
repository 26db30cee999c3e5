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

/// `proposal.revision_requested` v1: the decision asks the focal point for a new revision.
public struct ProposalRevisionRequested: EventPayload, Equatable {
    public static let eventType = EventType.proposalRevisionRequested
    public static let version = 1

    public var proposalId: UUID
    /// The revision that was reviewed.
    public var revision: Int
    public var reasons: [String]

    public init(proposalId: UUID, revision: Int, reasons: [String]) {
        self.proposalId = proposalId
        self.revision = revision
        self.reasons = reasons
    }
}

/// `proposal.approved` v1: approved with a budget at most the requested one.
public struct ProposalApproved: EventPayload, Equatable {
    public static let eventType = EventType.proposalApproved
    public static let version = 1

    public var proposalId: UUID
    public var reference: String
    public var revision: Int
    public var region: String
    public var leadCountry: String
    public var approvedBudget: Money

    public init(proposalId: UUID, reference: String, revision: Int, region: String, leadCountry: String, approvedBudget: Money) {
        self.proposalId = proposalId
        self.reference = reference
        self.revision = revision
        self.region = region
        self.leadCountry = leadCountry
        self.approvedBudget = approvedBudget
    }
}

/// `proposal.rejected` v1.
public struct ProposalRejected: EventPayload, Equatable {
    public static let eventType = EventType.proposalRejected
    public static let version = 1

    public var proposalId: UUID
    public var revision: Int
    public var reasons: [String]

    public init(proposalId: UUID, revision: Int, reasons: [String]) {
        self.proposalId = proposalId
        self.revision = revision
        self.reasons = reasons
    }
}

/// `review.assigned` v1: a secretariat assigned a reviewer to the technical assessment of a proposal.
public struct ReviewAssigned: EventPayload, Equatable {
    public static let eventType = EventType.reviewAssigned
    public static let version = 1

    public struct Reviewer: Codable, Sendable, Equatable {
        /// The reviewer's subject (the `sub` of their token).
        public var sub: String
        public var name: String
        public var email: String?

        public init(sub: String, name: String, email: String?) {
            self.sub = sub
            self.name = name
            self.email = email
        }
    }

    public var proposalId: UUID
    public var caseId: UUID
    public var reference: String
    public var title: String
    public var region: String
    /// The revision of the proposal under review.
    public var revision: Int
    public var reviewer: Reviewer

    public init(proposalId: UUID, caseId: UUID, reference: String, title: String, region: String, revision: Int, reviewer: Reviewer) {
        self.proposalId = proposalId
        self.caseId = caseId
        self.reference = reference
        self.title = title
        self.region = region
        self.revision = revision
        self.reviewer = reviewer
    }
}

/// `review.unassigned` v1: a reviewer no longer reviews a proposal (the secretariat took them
/// off, or a revision brought in their own country).
public struct ReviewUnassigned: EventPayload, Equatable {
    public static let eventType = EventType.reviewUnassigned
    public static let version = 1

    public var proposalId: UUID
    public var caseId: UUID
    public var revision: Int
    /// The reviewer's subject.
    public var reviewer: String
    public var reason: String

    public init(proposalId: UUID, caseId: UUID, revision: Int, reviewer: String, reason: String) {
        self.proposalId = proposalId
        self.caseId = caseId
        self.revision = revision
        self.reviewer = reviewer
        self.reason = reason
    }
}
