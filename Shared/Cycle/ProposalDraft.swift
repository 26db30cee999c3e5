import Events
import Foundation

/// The body of a proposal a focal point writes: a whole draft to create, or the fields to
/// change in an edit (`PATCH` replaces what is present and leaves what is absent).
///
/// ``init(lead:region:participants:title:summary:objectives:categories:areas:budget:durationMonths:partners:contact:reference:budgetCeiling:)``
/// builds a complete proposal that intake's rules accept (docs/api.md, *Validation*), with the
/// region and the participating countries taken from the reference data.
public struct ProposalDraft: Codable, Sendable, Equatable {
    /// An organisation that implements the project with the partner country.
    public struct Partner: Codable, Sendable, Equatable {
        public var name: String
        public var country: String?
        public var role: String?

        public init(name: String, country: String? = nil, role: String? = nil) {
            self.name = name
            self.country = country
            self.role = role
        }
    }

    /// Who to talk to about the proposal.
    public struct Contact: Codable, Sendable, Equatable {
        public var name: String
        public var email: String
        public var phone: String?

        public init(name: String, email: String, phone: String? = nil) {
            self.name = name
            self.email = email
            self.phone = phone
        }
    }

    public var title: String?
    public var summary: String?
    public var objectives: [String]?
    public var region: String?
    public var leadCountry: String?
    public var participatingCountries: [String]?
    public var cbrnCategories: [String]?
    public var cbrnAreas: [String]?
    public var requestedBudget: Money?
    public var durationMonths: Int?
    public var implementingPartners: [Partner]?
    public var contact: Contact?

    /// Intake's default `COE_INTAKE_BUDGET_CEILING`.
    public static let defaultBudgetCeiling = Money(cents: 1_000_000_000)

    /// An empty body: set the fields a draft starts with, or those an edit changes.
    public init() {}

    /// A complete proposal of `lead`, ready to submit; throws naming every rule it breaks.
    ///
    /// - Parameters:
    ///   - lead: the focal point's country (ISO 3166-1 alpha-2).
    ///   - region: the region it is proposed in; by default the first region of the reference data that has `lead`.
    ///   - participants: the other countries taking part; by default two of the region's, chosen
    ///     the same way every time (the countries after the lead in the region's list).
    public init(
        lead: String, region: String? = nil, participants: [String]? = nil, title: String, summary: String, objectives: [String],
        categories: [String], areas: [String] = [], budget: Money, durationMonths: Int, partners: [Partner] = [], contact: Contact,
        reference: ReferenceData, budgetCeiling: Money = ProposalDraft.defaultBudgetCeiling
    ) throws {
        let place = region.flatMap { reference.region($0) } ?? reference.regions.first { $0.countries.contains(lead) }
        self.title = title
        self.summary = summary
        self.objectives = objectives
        self.region = region ?? place?.code
        self.leadCountry = lead
        self.participatingCountries = participants ?? place.map { Self.neighbours(of: lead, in: $0, count: 2) } ?? []
        self.cbrnCategories = categories
        self.cbrnAreas = areas
        self.requestedBudget = budget
        self.durationMonths = durationMonths
        self.implementingPartners = partners
        self.contact = contact
        let problems = self.problems(reference: reference, budgetCeiling: budgetCeiling) + missingForSubmission()
        guard problems.isEmpty else {
            throw CoEClientError(
                .invalidInput, path: "ProposalDraft(\(lead): \(title))", problem: Problem(type: "validation", errors: problems),
                detail: "The proposal would not be accepted")
        }
    }

    /// Up to `count` countries of `region` other than `lead`: those after it in the region's
    /// list, wrapping round, so each lead country gets its own and the same every time.
    public static func neighbours(of lead: String, in region: ReferenceData.Region, count: Int) -> [String] {
        let others = region.countries.filter { $0 != lead }
        guard !others.isEmpty else { return [] }
        let start = region.countries.firstIndex(of: lead).map { region.countries[..<$0].filter { $0 != lead }.count } ?? 0
        return (0..<min(count, others.count)).map { others[(start + $0) % others.count] }
    }

    /// What intake would refuse of the values present, each naming its field (a draft may leave fields empty).
    public func problems(reference: ReferenceData, budgetCeiling: Money = ProposalDraft.defaultBudgetCeiling) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        func add(_ field: String, _ problem: String) { problems.append(FieldProblem(field: field, problem: problem)) }
        func trimmed(_ text: String) -> String { text.trimmed }

        if let title = title.map(trimmed), !title.isEmpty, !(3...200).contains(title.count) { add("title", "must be 3 to 200 characters long") }
        if let summary = summary.map(trimmed), summary.count > 4000 { add("summary", "must be at most 4000 characters long") }
        let objectives = self.objectives ?? []
        if objectives.count > 20 { add("objectives", "must list at most 20 objectives") }
        for (index, objective) in objectives.enumerated() where trimmed(objective).isEmpty || objective.count > 500 {
            add("objectives.\(index)", "must be 1 to 500 characters long")
        }
        let place = region.flatMap { reference.region($0) }
        if let region, place == nil { add("region", "'\(region)' is not a CoE region") }
        if let lead = leadCountry, !(place?.countries.contains(lead) ?? reference.isCountry(lead)) {
            add("leadCountry", "\(lead) is not a partner country of \(region ?? "the initiative")")
        }
        var seen = Set<String>()
        for (index, country) in (participatingCountries ?? []).enumerated() {
            if !(place?.countries.contains(country) ?? reference.isCountry(country)) {
                add("participatingCountries.\(index)", "\(country) is not a partner country of \(region ?? "the initiative")")
            }
            if !seen.insert(country).inserted { add("participatingCountries.\(index)", "\(country) is listed twice") }
        }
        for (index, category) in (cbrnCategories ?? []).enumerated() where !reference.isCategory(category) {
            add("cbrnCategories.\(index)", "'\(category)' is not a CBRN category")
        }
        if Set(cbrnCategories ?? []).count != (cbrnCategories ?? []).count { add("cbrnCategories", "lists a category twice") }
        for (index, area) in (cbrnAreas ?? []).enumerated() where !reference.isArea(area) {
            add("cbrnAreas.\(index)", "'\(area)' is not a CBRN area")
        }
        if Set(cbrnAreas ?? []).count != (cbrnAreas ?? []).count { add("cbrnAreas", "lists an area twice") }
        if let budget = requestedBudget, budget <= .zero || budget > budgetCeiling {
            add("requestedBudget", "must be more than 0.00 and at most \(budgetCeiling)")
        }
        if let months = durationMonths, !(1...60).contains(months) { add("durationMonths", "must be between 1 and 60 months") }
        let partners = implementingPartners ?? []
        if partners.count > 20 { add("implementingPartners", "must list at most 20 partners") }
        for (index, partner) in partners.enumerated() where trimmed(partner.name).isEmpty || partner.name.count > 200 {
            add("implementingPartners.\(index).name", "must be 1 to 200 characters long")
        }
        if let contact {
            if trimmed(contact.name).isEmpty { add("contact.name", "is required") }
            if !EmailAddress.isPlausible(contact.email) { add("contact.email", "must be an e-mail address") }
        }
        return problems
    }

    /// What submission needs and the draft does not have yet.
    public func missingForSubmission() -> [FieldProblem] {
        let required: [(String, Bool)] = [
            ("title", !(title ?? "").isEmpty), ("summary", !(summary ?? "").isEmpty), ("objectives", !(objectives ?? []).isEmpty),
            ("region", region != nil), ("leadCountry", leadCountry != nil), ("participatingCountries", !(participatingCountries ?? []).isEmpty),
            ("cbrnCategories", !(cbrnCategories ?? []).isEmpty), ("requestedBudget", requestedBudget != nil),
            ("durationMonths", durationMonths != nil), ("contact", contact != nil),
        ]
        return required.filter { !$0.1 }.map { FieldProblem(field: $0.0, problem: "is required to submit") }
    }

    /// Whether `proposal` does not show some field of `self` yet (compared on the fields
    /// ``Proposal`` reads: title, summary, objectives, region, countries, budget and duration),
    /// for a step that edits only when the edit is not in already.
    public func differs(from proposal: Proposal) -> Bool {
        (title != nil && title != proposal.title) || (region != nil && region != proposal.region)
            || (leadCountry != nil && leadCountry != proposal.leadCountry)
            || (participatingCountries != nil && participatingCountries != proposal.participatingCountries)
            || (requestedBudget != nil && requestedBudget != proposal.requestedBudget)
            || (durationMonths != nil && durationMonths != proposal.durationMonths)
            || (objectives != nil && objectives != proposal.objectives)
            || (summary != nil && summary != proposal.summary)
    }
}
