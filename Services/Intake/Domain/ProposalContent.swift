import Events

/// An organisation that implements the project with the partner country.
struct ImplementingPartner: Codable, Sendable, Equatable {
    var name: String
    var country: String?
    var role: String?
}

/// Who to talk to about the proposal.
struct Contact: Codable, Sendable, Equatable {
    var name: String
    var email: String
    var phone: String?
}

/// What a focal point writes. A draft may leave any of it empty; submission needs it complete.
struct ProposalContent: Codable, Sendable, Equatable {
    var title: String?
    var summary: String?
    var objectives: [String] = []
    var region: String?
    var leadCountry: String?
    var participatingCountries: [String] = []
    var cbrnCategories: [String] = []
    var cbrnAreas: [String] = []
    var requestedBudget: Money?
    var durationMonths: Int?
    var implementingPartners: [ImplementingPartner] = []
    var contact: Contact?
}

extension ProposalContent {
    /// The names of the fields whose values differ from `earlier`, for the history.
    func changedFields(since earlier: ProposalContent) -> [String] {
        var fields: [String] = []
        if title != earlier.title { fields.append("title") }
        if summary != earlier.summary { fields.append("summary") }
        if objectives != earlier.objectives { fields.append("objectives") }
        if region != earlier.region { fields.append("region") }
        if leadCountry != earlier.leadCountry { fields.append("leadCountry") }
        if participatingCountries != earlier.participatingCountries { fields.append("participatingCountries") }
        if cbrnCategories != earlier.cbrnCategories { fields.append("cbrnCategories") }
        if cbrnAreas != earlier.cbrnAreas { fields.append("cbrnAreas") }
        if requestedBudget != earlier.requestedBudget { fields.append("requestedBudget") }
        if durationMonths != earlier.durationMonths { fields.append("durationMonths") }
        if implementingPartners != earlier.implementingPartners { fields.append("implementingPartners") }
        if contact != earlier.contact { fields.append("contact") }
        return fields
    }
}
