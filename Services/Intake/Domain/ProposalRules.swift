import Events
import Foundation

/// The rules a proposal's content must follow: every value present must be valid (also in a
/// draft), and a submission must be complete. Each check names its field; all run every time.
struct ProposalRules: Sendable {
    let reference: ReferenceData
    /// The largest budget one proposal may request.
    let budgetCeiling: Money

    /// Problems with the values present; a draft may leave fields empty.
    func problems(in content: ProposalContent) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        func add(_ field: String, _ problem: String) { problems.append(FieldProblem(field: field, problem: problem)) }

        if let title = content.title?.trimmed, !title.isEmpty, !(3...200).contains(title.count) {
            add("title", "must be 3 to 200 characters long (it is \(title.count))")
        }
        if let summary = content.summary?.trimmed, summary.count > 4000 {
            add("summary", "must be at most 4000 characters long (it is \(summary.count))")
        }
        if content.objectives.count > 20 { add("objectives", "must list at most 20 objectives") }
        for (index, objective) in content.objectives.enumerated() {
            if objective.trimmed.isEmpty { add("objectives.\(index)", "must not be empty") }
            if objective.count > 500 { add("objectives.\(index)", "must be at most 500 characters long") }
        }
        let region = content.region.flatMap { reference.region($0) }
        if let code = content.region, region == nil {
            add("region", "'\(code)' is not a CoE region; use one of \(reference.regions.map(\.code).joined(separator: ", "))")
        }
        if let lead = content.leadCountry {
            if !reference.isCountry(lead) {
                add("leadCountry", "'\(lead)' is not a partner country of the initiative (ISO 3166-1 alpha-2, e.g. KZ)")
            } else if let region, !region.countries.contains(lead) {
                add("leadCountry", "\(lead) is not a partner country of the \(region.code) region")
            }
        }
        var seen = Set<String>()
        for (index, country) in content.participatingCountries.enumerated() {
            let field = "participatingCountries.\(index)"
            if !reference.isCountry(country) {
                add(field, "'\(country)' is not a partner country of the initiative (ISO 3166-1 alpha-2, e.g. UZ)")
            } else if let region, !region.countries.contains(country) {
                add(field, "\(country) is not a partner country of the \(region.code) region")
            }
            if !seen.insert(country).inserted { add(field, "\(country) is listed twice") }
        }
        var seenCategories = Set<String>()
        for (index, category) in content.cbrnCategories.enumerated() {
            if !reference.isCategory(category) {
                add("cbrnCategories.\(index)", "'\(category)' is not one of \(reference.cbrnCategories.map(\.code).joined(separator: ", "))")
            } else if !seenCategories.insert(category).inserted {
                add("cbrnCategories.\(index)", "\(category) is listed twice")
            }
        }
        var seenAreas = Set<String>()
        for (index, area) in content.cbrnAreas.enumerated() {
            if !reference.isArea(area) {
                add("cbrnAreas.\(index)", "'\(area)' is not a CBRN area; see /v1/reference")
            } else if !seenAreas.insert(area).inserted {
                add("cbrnAreas.\(index)", "\(area) is listed twice")
            }
        }
        if let budget = content.requestedBudget {
            if budget <= .zero {
                add("requestedBudget", "must be positive")
            } else if budget > budgetCeiling {
                add("requestedBudget", "must not exceed \(budgetCeiling) EUR")
            }
        }
        if let months = content.durationMonths, !(1...60).contains(months) {
            add("durationMonths", "must be between 1 and 60 months")
        }
        if content.implementingPartners.count > 20 { add("implementingPartners", "must list at most 20 partners") }
        for (index, partner) in content.implementingPartners.enumerated() {
            if partner.name.trimmed.isEmpty { add("implementingPartners.\(index).name", "is required") }
            if partner.name.count > 200 { add("implementingPartners.\(index).name", "must be at most 200 characters long") }
            if let role = partner.role, role.count > 200 { add("implementingPartners.\(index).role", "must be at most 200 characters long") }
            if let country = partner.country, !(country.utf8.count == 2 && country.utf8.allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") })) {
                add("implementingPartners.\(index).country", "must be an ISO 3166-1 alpha-2 code")
            }
        }
        if let contact = content.contact {
            if contact.name.trimmed.isEmpty { add("contact.name", "is required") }
            if contact.name.count > 200 { add("contact.name", "must be at most 200 characters long") }
            if let phone = contact.phone, phone.count > 50 { add("contact.phone", "must be at most 50 characters long") }
            if !EmailAddress.isPlausible(contact.email) { add("contact.email", "must be an e-mail address") }
        }
        return problems
    }

    /// What is still missing before the proposal can be submitted.
    func missingForSubmission(_ content: ProposalContent) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        func require(_ present: Bool, _ field: String, _ problem: String = "is required to submit") {
            if !present { problems.append(FieldProblem(field: field, problem: problem)) }
        }
        require(!(content.title?.trimmed.isEmpty ?? true), "title")
        require(!(content.summary?.trimmed.isEmpty ?? true), "summary")
        require(!content.objectives.isEmpty, "objectives", "must list at least one objective to submit")
        require(content.region != nil, "region")
        require(content.leadCountry != nil, "leadCountry")
        require(!content.participatingCountries.isEmpty, "participatingCountries", "must name at least one participating country to submit (the cross-border dimension)")
        require(!content.cbrnCategories.isEmpty, "cbrnCategories", "must name at least one CBRN category to submit")
        require(content.requestedBudget != nil, "requestedBudget")
        require(content.durationMonths != nil, "durationMonths")
        require(content.contact != nil, "contact")
        return problems
    }

}

